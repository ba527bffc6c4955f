/**
 * Pure desired-state computation shared by the Endpoints and EndpointSlice controllers:
 * which pods back a Service, their readiness, and each Service port's target resolved per pod.
 */
import { labelSelectorFromMap, type EndpointAddress, type EndpointPort, type EndpointSubset, type Pod, type Service, type ServicePort } from "@kates/api";
import { isPodReady } from "../shared/controller-utils.js";

/** Services without a selector (e.g. default/kubernetes) have hand- or apiserver-managed endpoints. */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/** The service selects the pod (by the given labels, defaulting to the pod's own). */
export function selects(svc: Service, labels: Record<string, string> | undefined): boolean {
  return hasSelector(svc) && labelSelectorFromMap(svc.spec!.selector).matches(labels);
}

/** A pod that can be an endpoint at all: it has an IP and has not finished. */
export function hasEndpointAddress(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.status?.podIP && phase !== "Succeeded" && phase !== "Failed";
}

/** Ready to receive traffic: Running, not terminating, Ready condition True. */
export function isEndpointReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp && isPodReady(pod);
}

/** The container port a service port targets on `pod`, or undefined when the pod lacks the named port. */
export function resolveTargetPort(port: ServicePort, pod: Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    const hit = c.ports?.find((p) => p.name === target && (p.protocol ?? "TCP") === protocol);
    if (hit) return hit.containerPort;
  }
  return undefined;
}

/**
 * The endpoint ports of `svc` on `pod`; ports whose named target the pod lacks are left out,
 * and undefined means the pod serves none of the service's ports (a service without ports,
 * i.e. headless, gets an empty list for every pod).
 */
export function podPorts(svc: Service, pod: Pod): EndpointPort[] | undefined {
  const ports = svc.spec?.ports ?? [];
  const out: EndpointPort[] = [];
  for (const sp of ports) {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) continue;
    out.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP" });
  }
  if (ports.length > 0 && out.length === 0) return undefined;
  return out.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.port - b.port);
}

/** The address an Endpoints object lists for `pod`. */
export function podAddress(pod: Pod): EndpointAddress {
  return {
    ip: pod.status!.podIP!,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

/** JSON with object keys sorted, so objects read back from the apiserver compare equal to ours. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return val;
  });
}

const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip) || (a.targetRef?.name ?? "").localeCompare(b.targetRef?.name ?? "");

/**
 * The subsets of `svc`'s Endpoints given the pods of its namespace: one subset per distinct
 * set of resolved ports, with ready pods in `addresses` and the others in `notReadyAddresses`
 * (everyone counts as ready with publishNotReadyAddresses). Sorted, so equal inputs give
 * byte-equal output.
 */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const publishAll = !!svc.spec?.publishNotReadyAddresses;
  for (const pod of pods) {
    if (!selects(svc, pod.metadata.labels) || !hasEndpointAddress(pod) || pod.metadata.deletionTimestamp) continue;
    const ports = podPorts(svc, pod);
    if (!ports) continue;
    const key = canonical(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (publishAll || isEndpointReady(pod) ? g.ready : g.notReady).push(podAddress(pod));
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}
