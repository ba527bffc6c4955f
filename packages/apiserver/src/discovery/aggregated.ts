/**
 * Aggregated discovery (apidiscovery.k8s.io/v2): the whole of `/api` or `/apis` in one
 * document, which kubectl 1.32 asks for first. kubectl only decodes it as such when the
 * response Content-Type is exactly one of the two constants below.
 */
import { RESOURCES, apiGroups, type ResourceInfo } from "@kates/api";
import { resourceVerbs, subresourcesOf } from "./resource-meta.js";

/** Content-Type of a v2 APIGroupDiscoveryList. */
export const AGGREGATED_DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
/** Content-Type of a v2beta1 APIGroupDiscoveryList (same body, older apiVersion). */
export const AGGREGATED_DISCOVERY_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

function resourceEntry(ri: ResourceInfo): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    resource: ri.resource,
    responseKind: { group: ri.group, version: ri.version, kind: ri.kind },
    scope: ri.namespaced ? "Namespaced" : "Cluster",
    singularResource: ri.singular,
    verbs: resourceVerbs(ri),
  };
  if (ri.shortNames.length > 0) entry.shortNames = [...ri.shortNames];
  if (ri.categories.length > 0) entry.categories = [...ri.categories];
  const subs = subresourcesOf(ri);
  if (subs.length > 0) entry.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { ...s.responseKind }, verbs: [...s.verbs] }));
  return entry;
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  return {
    // Go omits an empty name for the core group; an explicit "" decodes the same.
    metadata: { name, creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: RESOURCES.filter((ri) => ri.group === name && ri.version === version).map(resourceEntry),
      freshness: "Current",
    })),
  };
}

/**
 * The APIGroupDiscoveryList for `/api` ("core": the legacy group only) or `/apis` (every named
 * group in RESOURCES, preferred version first).
 * @example res.type(AGGREGATED_DISCOVERY_V2).send(aggregatedDiscovery("apis"))
 */
export function aggregatedDiscovery(which: "core" | "apis", version: "v2" | "v2beta1" = "v2"): Record<string, unknown> {
  const items = which === "core" ? [groupEntry("", ["v1"])] : apiGroups().map((g) => groupEntry(g.name, g.versions));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
