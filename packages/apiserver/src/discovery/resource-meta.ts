/**
 * What discovery says about each resource beyond the RESOURCES table: its verbs and its
 * subresources with their response kinds. Both discovery formats (aggregated and legacy)
 * are built from these, so they cannot disagree.
 */
import type { ResourceInfo } from "@kates/api";

/** A group/version/kind as discovery writes it (`group` is "" for core). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** One subresource of a resource (`pods/log`, `deployments/scale`). */
export interface SubresourceInfo {
  name: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** The verbs a resource supports. Namespaces, as in Kubernetes, have no deletecollection. */
export function resourceVerbs(ri: ResourceInfo): string[] {
  return ri.kind === "Namespace" && ri.group === "" ? CRUD.filter((v) => v !== "deletecollection") : [...CRUD];
}

const core = (kind: string): GroupVersionKind => ({ group: "", version: "v1", kind });

/** Response kinds and verbs of the extra subresources RESOURCES may name. */
function extraSubresource(ri: ResourceInfo, name: string): SubresourceInfo | undefined {
  switch (name) {
    case "binding":
      return { name, responseKind: core("Binding"), verbs: ["create"] };
    case "eviction":
      return { name, responseKind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] };
    case "log":
      return { name, responseKind: core("Pod"), verbs: ["get"] };
    case "exec":
      return { name, responseKind: core("PodExecOptions"), verbs: ["create", "get"] };
    case "attach":
      return { name, responseKind: core("PodAttachOptions"), verbs: ["create", "get"] };
    case "portforward":
      return { name, responseKind: core("PodPortForwardOptions"), verbs: ["create", "get"] };
    case "proxy":
      return { name, responseKind: core(`${ri.kind}ProxyOptions`), verbs: ["create", "delete", "get", "patch", "update"] };
    case "finalize":
      return { name, responseKind: core(ri.kind), verbs: ["update"] };
    default:
      return undefined;
  }
}

/** A resource's subresources, sorted by name as Kubernetes lists them. */
export function subresourcesOf(ri: ResourceInfo): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  const self = { group: ri.group, version: ri.version, kind: ri.kind };
  if (ri.hasStatus) out.push({ name: "status", responseKind: self, verbs: ["get", "patch", "update"] });
  if (ri.hasScale) out.push({ name: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] });
  for (const name of ri.extraSubresources) {
    const sub = extraSubresource(ri, name);
    if (sub) out.push(sub);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
