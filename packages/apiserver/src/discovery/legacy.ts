/**
 * Legacy discovery: `/api` as APIVersions, `/apis` as APIGroupList, `/apis/G` as APIGroup and
 * `/api/v1`, `/apis/G/V` as APIResourceList. kubectl falls back to these when a server does
 * not offer aggregated discovery; other clients (and older kubectl) use them directly.
 */
import { createHash } from "node:crypto";
import { RESOURCES, apiGroups } from "@kates/api";
import { resourceVerbs, subresourcesOf } from "./resource-meta.js";

/** A group version as APIGroup lists it. */
export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

/** The body of GET /apis/G. */
export interface APIGroup {
  kind?: "APIGroup";
  apiVersion?: "v1";
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

/** One entry of an APIResourceList: a resource, or a subresource named `resource/sub`. */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** The body of GET /api/v1 or /apis/G/V. */
export interface APIResourceList {
  kind: "APIResourceList";
  apiVersion: "v1";
  groupVersion: string;
  resources: APIResource[];
}

/** The body of GET /api without aggregated discovery. */
export function legacyApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupOf(name: string, versions: string[]): APIGroup {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

/** The body of GET /apis without aggregated discovery: every named group. */
export function legacyGroupList(): Record<string, unknown> {
  return { kind: "APIGroupList", apiVersion: "v1", groups: apiGroups().map((g) => groupOf(g.name, g.versions)) };
}

/** The body of GET /apis/NAME, or undefined if kates serves no such group. */
export function legacyGroup(name: string): APIGroup | undefined {
  const g = apiGroups().find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupOf(g.name, g.versions) } : undefined;
}

/**
 * A short hash that changes when a resource's storage version changes; clients such as the
 * storage version migrator compare it. Derived from group/version/kind, as Kubernetes does.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256").update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString("base64");
}

/** The body of GET /api/v1 (group "") or /apis/G/V, or undefined if not served. */
export function legacyResourceList(group: string, version: string): APIResourceList | undefined {
  const members = RESOURCES.filter((ri) => ri.group === group && ri.version === version);
  if (members.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const ri of members) {
    const entry: APIResource = { name: ri.resource, singularName: ri.singular, namespaced: ri.namespaced, kind: ri.kind, verbs: resourceVerbs(ri) };
    if (ri.shortNames.length > 0) entry.shortNames = [...ri.shortNames];
    if (ri.categories.length > 0) entry.categories = [...ri.categories];
    entry.storageVersionHash = storageVersionHash(ri.group, ri.version, ri.kind);
    resources.push(entry);
    for (const sub of subresourcesOf(ri)) {
      const s: APIResource = { name: `${ri.resource}/${sub.name}`, singularName: "", namespaced: ri.namespaced, kind: sub.responseKind.kind, verbs: [...sub.verbs] };
      // Only a response kind from another group version names its group and version.
      if (sub.responseKind.group !== group || sub.responseKind.version !== version) {
        s.group = sub.responseKind.group;
        s.version = sub.responseKind.version;
      }
      resources.push(s);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources };
}
