/**
 * Pure desired-state computation of the EndpointSlice controller: one slice per distinct
 * set of resolved ports (usually one per Service), and the plan that turns the existing
 * managed slices into the desired ones. Kubernetes also splits slices at 100 endpoints;
 * this one does not (yet).
 */
import type { Endpoint, EndpointSlice, EndpointSlicePort, Pod, Service } from "@kates/api";
import { isPodReady } from "../shared/controller-utils.js";
import { canonical, hasEndpointAddress, isEndpointReady, podPorts, selects } from "../endpoints/endpoints-utils.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";

/** The endpoints and ports one slice should hold. */
export interface SliceGroup {
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
}

/** The slice entry for `pod`: terminating pods stay listed (not ready, maybe serving). */
export function podEndpoint(pod: Pod, publishNotReady = false): Endpoint {
  const terminating = !!pod.metadata.deletionTimestamp;
  return {
    addresses: [pod.status!.podIP!],
    conditions: { ready: publishNotReady || isEndpointReady(pod), serving: publishNotReady || isPodReady(pod), terminating },
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

/** Pods grouped by resolved port set; always at least one (possibly empty) group, as Kubernetes keeps a placeholder slice. */
export function computeSliceGroups(svc: Service, pods: Pod[]): SliceGroup[] {
  const groups = new Map<string, SliceGroup>();
  for (const pod of pods) {
    if (!selects(svc, pod.metadata.labels) || !hasEndpointAddress(pod)) continue;
    const ports = podPorts(svc, pod);
    if (!ports) continue;
    const key = canonical(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podEndpoint(pod, !!svc.spec?.publishNotReadyAddresses));
  }
  const out = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g);
  for (const g of out) g.endpoints.sort((a, b) => a.addresses[0]!.localeCompare(b.addresses[0]!));
  return out.length ? out : [{ ports: [], endpoints: [] }];
}

/** What to create, update and delete to make `existing` (this service's managed slices) hold `groups`. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

const portsKey = (ports: EndpointSlicePort[] | undefined) => canonical(ports ?? []);

/**
 * Pairs each group with an existing slice of the same ports, then reuses the leftover slices
 * for leftover groups (an update rather than delete + create), creates the rest and deletes
 * any slice still unused. Unchanged slices are left alone.
 */
export function planSlices(svc: Service, groups: SliceGroup[], existing: EndpointSlice[]): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const unused = [...existing].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  const pending: SliceGroup[] = [];
  const assign = (slice: EndpointSlice, g: SliceGroup) => {
    const want = desiredSlice(svc, g, slice);
    if (canonical(sliceContent(want)) !== canonical(sliceContent(slice))) plan.update.push(want);
  };
  for (const g of groups) {
    const i = unused.findIndex((s) => portsKey(s.ports) === portsKey(g.ports));
    if (i < 0) pending.push(g);
    else assign(unused.splice(i, 1)[0]!, g);
  }
  for (const g of pending) {
    const reuse = unused.shift();
    if (reuse) assign(reuse, g);
    else plan.create.push(desiredSlice(svc, g));
  }
  plan.delete.push(...unused);
  return plan;
}

/** The fields this controller owns, for change detection. */
function sliceContent(s: EndpointSlice): unknown {
  return { labels: s.metadata.labels ?? {}, owners: s.metadata.ownerReferences ?? [], type: s.addressType, endpoints: s.endpoints ?? [], ports: s.ports ?? [] };
}

/** The slice holding `g` for `svc`, keeping `base`'s identity (name, resourceVersion) when updating. */
export function desiredSlice(svc: Service, g: SliceGroup, base?: EndpointSlice): EndpointSlice {
  const name = svc.metadata.name!;
  const meta = base ? { ...base.metadata } : { generateName: `${name}-`, namespace: svc.metadata.namespace };
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      ...meta,
      labels: { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: "IPv4",
    endpoints: g.endpoints,
    ports: g.ports,
  };
}
