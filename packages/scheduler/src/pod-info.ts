/**
 * What the scheduler needs to know about a pod, computed once per pod object: resource
 * requests (with Kubernetes' init-container rule), host ports, tolerations and controller
 * owner. Filters and scores then run against this instead of re-walking the pod spec for
 * every node.
 */
import { parseQuantity, type Container, type Pod, type Toleration } from "@kates/api";

/** cpu in millicores, memory in bytes. */
export interface Resources {
  milliCPU: number;
  memory: number;
}

/** One requested host port; hostIP "0.0.0.0" means every address. */
export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  key: string;
  uid: string;
  requests: Resources;
  /** Requests with Kubernetes' scoring defaults (100m cpu, 200Mi memory) for containers that ask for nothing. */
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  tolerations: Toleration[];
  /** uid of the controller ownerReference, for spreading replicas. */
  ownerUID?: string;
}

const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

/** Millicores, rounded up as resource.Quantity.MilliValue does (the epsilon absorbs float error). */
export function milliCPU(q: unknown): number {
  const v = parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(v * 1000 - 1e-6);
}

export function bytes(q: unknown): number {
  const v = parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(v - 1e-6);
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const req = c.resources?.requests ?? {};
  // A limit without a request defaults the request to the limit (apiserver defaulting does
  // this too; repeating it here keeps the scheduler right for pods from older stores).
  const lim = c.resources?.limits ?? {};
  const cpu = req.cpu ?? lim.cpu;
  const mem = req.memory ?? lim.memory;
  return {
    milliCPU: cpu === undefined && nonZero ? DEFAULT_MILLI_CPU : milliCPU(cpu),
    memory: mem === undefined && nonZero ? DEFAULT_MEMORY : bytes(mem),
  };
}

/**
 * A pod's effective request: the sum over app containers (plus restartable "sidecar" init
 * containers, which keep running), or the largest single init container if that is more,
 * since init containers run one at a time before the app containers start.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const sum: Resources = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c, nonZero);
    sum.milliCPU += r.milliCPU;
    sum.memory += r.memory;
  }
  const sidecars: Resources = { milliCPU: 0, memory: 0 };
  const initMax: Resources = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, false);
    if (c.restartPolicy === "Always") {
      sidecars.milliCPU += r.milliCPU;
      sidecars.memory += r.memory;
      initMax.milliCPU = Math.max(initMax.milliCPU, sidecars.milliCPU);
      initMax.memory = Math.max(initMax.memory, sidecars.memory);
    } else {
      initMax.milliCPU = Math.max(initMax.milliCPU, r.milliCPU + sidecars.milliCPU);
      initMax.memory = Math.max(initMax.memory, r.memory + sidecars.memory);
    }
  }
  return {
    milliCPU: Math.max(sum.milliCPU + sidecars.milliCPU, initMax.milliCPU),
    memory: Math.max(sum.memory + sidecars.memory, initMax.memory),
  };
}

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol ?? "TCP", hostIP: p.hostIP || "0.0.0.0", port: p.hostPort });
    }
  }
  return out;
}

const cache = new WeakMap<Pod, PodInfo>();

/** The PodInfo of a pod object; cached per object, so informer objects are computed once. */
export function podInfo(pod: Pod): PodInfo {
  let info = cache.get(pod);
  if (!info) {
    const ns = pod.metadata.namespace ?? "";
    info = {
      pod,
      key: ns ? `${ns}/${pod.metadata.name}` : pod.metadata.name ?? "",
      uid: pod.metadata.uid ?? `${ns}/${pod.metadata.name}`,
      requests: podRequests(pod),
      nonZeroRequests: podRequests(pod, true),
      hostPorts: podHostPorts(pod),
      tolerations: pod.spec?.tolerations ?? [],
      ownerUID: pod.metadata.ownerReferences?.find((o) => o.controller)?.uid,
    };
    cache.set(pod, info);
  }
  return info;
}
