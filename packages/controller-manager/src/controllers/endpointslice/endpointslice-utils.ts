/**
 * Pure desired-state computation of the EndpointSlice controller: a Service's endpoints
 * grouped by their distinct set of resolved ports (usually one group per Service), and the
 * slice object for a group. How groups are split across slices: slice-placement.ts.
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

/** The fields this controller owns, for change detection. */
export function sliceContent(s: EndpointSlice): unknown {
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
