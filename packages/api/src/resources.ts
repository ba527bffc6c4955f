/**
 * The table of every resource kates serves. The apiserver builds its routes, discovery
 * and storage keys from it; the client and the CLI resolve names ("po", "deploy") with it.
 * Adding a kind starts here.
 */

export interface ResourceInfo {
  /** API group, "" for core. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower-case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a status subresource: spec and status are written separately. */
  hasStatus: boolean;
  /** Has a scale subresource (autoscaling/v1 Scale). */
  hasScale: boolean;
  /** Other subresources served ("binding", "log", "exec", "portforward", "finalize"). */
  extraSubresources: string[];
  /** Field selectors besides metadata.name and metadata.namespace. */
  fieldSelectors: string[];
}

function r(group: string, kind: string, resource: string, opts: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group,
    version: opts.version ?? "v1",
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    hasStatus: opts.hasStatus ?? false,
    hasScale: opts.hasScale ?? false,
    extraSubresources: opts.extraSubresources ?? [],
    fieldSelectors: opts.fieldSelectors ?? [],
  };
}

const all = ["all"];

/**
 * Order matters: `kubectl get all` lists category members in discovery order, and
 * Kubernetes' order is pods, services, replicationcontrollers, deployments, replicasets,
 * statefulsets, daemonsets, jobs, cronjobs.
 */
export const RESOURCES: readonly ResourceInfo[] = [
  r("", "Pod", "pods", { shortNames: ["po"], categories: all, hasStatus: true, extraSubresources: ["binding", "eviction", "log", "exec", "portforward"], fieldSelectors: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"] }),
  r("", "Service", "services", { shortNames: ["svc"], categories: all, hasStatus: true, extraSubresources: ["proxy"] }),
  r("", "ReplicationController", "replicationcontrollers", { shortNames: ["rc"], categories: all, hasStatus: true, hasScale: true, fieldSelectors: ["status.replicas"] }),
  r("", "Endpoints", "endpoints", { shortNames: ["ep"] }),
  r("", "Node", "nodes", { namespaced: false, shortNames: ["no"], hasStatus: true, extraSubresources: ["proxy"], fieldSelectors: ["spec.unschedulable"] }),
  r("", "Namespace", "namespaces", { namespaced: false, shortNames: ["ns"], hasStatus: true, extraSubresources: ["finalize"], fieldSelectors: ["status.phase"] }),
  r("", "Event", "events", { shortNames: ["ev"], fieldSelectors: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"] }),
  r("", "ConfigMap", "configmaps", { shortNames: ["cm"] }),
  r("", "Secret", "secrets", { fieldSelectors: ["type"] }),
  r("", "PersistentVolume", "persistentvolumes", { namespaced: false, shortNames: ["pv"], hasStatus: true }),
  r("", "PersistentVolumeClaim", "persistentvolumeclaims", { shortNames: ["pvc"], hasStatus: true }),
  r("", "ServiceAccount", "serviceaccounts", { shortNames: ["sa"] }),
  r("apps", "Deployment", "deployments", { shortNames: ["deploy"], categories: all, hasStatus: true, hasScale: true }),
  r("apps", "ReplicaSet", "replicasets", { shortNames: ["rs"], categories: all, hasStatus: true, hasScale: true, fieldSelectors: ["status.replicas"] }),
  r("apps", "StatefulSet", "statefulsets", { shortNames: ["sts"], categories: all, hasStatus: true, hasScale: true }),
  r("apps", "DaemonSet", "daemonsets", { shortNames: ["ds"], categories: all, hasStatus: true }),
  r("apps", "ControllerRevision", "controllerrevisions"),
  r("batch", "Job", "jobs", { categories: all, hasStatus: true, fieldSelectors: ["status.successful"] }),
  r("batch", "CronJob", "cronjobs", { shortNames: ["cj"], categories: all, hasStatus: true }),
  r("coordination.k8s.io", "Lease", "leases"),
  r("discovery.k8s.io", "EndpointSlice", "endpointslices", { fieldSelectors: [] }),
];

/** "apps/v1" or "v1". */
export const apiVersionOf = (ri: Pick<ResourceInfo, "group" | "version">): string => (ri.group ? `${ri.group}/${ri.version}` : ri.version);

/** Groups in the order /apis lists them, each with its versions (preferred first). */
export function apiGroups(): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const ri of RESOURCES) {
    if (!ri.group) continue;
    let g = out.find((x) => x.name === ri.group);
    if (!g) out.push((g = { name: ri.group, versions: [] }));
    if (!g.versions.includes(ri.version)) g.versions.push(ri.version);
  }
  return out;
}

/** Looks a resource up by group, version and plural. */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((ri) => ri.group === group && ri.version === version && ri.resource === resource);
}

/** Looks a resource up by apiVersion and kind, as a manifest names it. */
export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((ri) => apiVersionOf(ri) === apiVersion && ri.kind === kind);
}

/**
 * Resolves what a user types ("po", "pods", "pod", "deploy", "deployments.apps") to a resource.
 */
export function resolveResourceName(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  const [base, ...groupParts] = n.split(".");
  const group = groupParts.join(".");
  return RESOURCES.find(
    (ri) =>
      (!group || ri.group === group) &&
      (ri.resource === base || ri.singular === base || ri.shortNames.includes(base) || ri.kind.toLowerCase() === base),
  );
}
