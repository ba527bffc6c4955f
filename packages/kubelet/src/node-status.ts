/**
 * Building and refreshing this kubelet's Node object: labels, capacity, addresses,
 * nodeInfo and the condition set, shared by the real kubelet and hollow nodes.
 */
import type { Node, NodeAddress, NodeCondition, Quantity } from "@kates/api";

/** Reported as status.nodeInfo.kubeletVersion, as `kubectl get nodes` shows it. */
export const KUBELET_VERSION = "v1.32.0-kates";

/** What a kubelet knows about its machine when it registers. */
export interface NodeDescription {
  name: string;
  /** Extra labels on top of the kubernetes.io/{hostname,os,arch} ones. */
  labels?: Record<string, string>;
  capacity: Record<string, Quantity>;
  allocatable?: Record<string, Quantity>;
  addresses: NodeAddress[];
  kubeletPort: number;
  containerRuntimeVersion: string;
  architecture?: string;
  kernelVersion?: string;
  osImage?: string;
  machineID?: string;
  bootID?: string;
}

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Go's GOARCH names, which kubernetes.io/arch uses. */
export function goArch(nodeArch = process.arch): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** The four conditions a kubelet owns; Ready reflects the runtime, the pressures are always False here. */
export function nodeConditions(ready: boolean, message: string, now = new Date()): NodeCondition[] {
  const t = rfc3339(now);
  const c = (type: string, status: "True" | "False", reason: string, msg: string): NodeCondition => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message: msg });
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ready ? c("Ready", "True", "KubeletReady", message || "kubelet is posting ready status") : c("Ready", "False", "KubeletNotReady", message),
  ];
}

/**
 * Merges freshly computed conditions into the stored ones: lastTransitionTime only moves
 * when a condition's status changes, as `kubectl describe node` expects.
 */
export function mergeConditions(old: NodeCondition[] | undefined, fresh: NodeCondition[]): NodeCondition[] {
  return fresh.map((c) => {
    const prior = old?.find((o) => o.type === c.type);
    return prior && prior.status === c.status ? { ...c, lastTransitionTime: prior.lastTransitionTime ?? c.lastTransitionTime } : c;
  });
}

/** True when the stored node's conditions say something other than what we would report. */
export function conditionsDiffer(old: NodeCondition[] | undefined, fresh: NodeCondition[]): boolean {
  return fresh.some((c) => {
    const o = old?.find((x) => x.type === c.type);
    return !o || o.status !== c.status || o.reason !== c.reason;
  });
}

/** The whole Node object a kubelet registers. */
export function buildNode(d: NodeDescription, ready: boolean, readyMessage = ""): Node {
  const arch = d.architecture ?? goArch();
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: d.name,
      labels: {
        "kubernetes.io/hostname": d.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch,
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": arch,
        ...d.labels,
      },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: {},
    status: nodeStatus(d, ready, readyMessage),
  };
}

/** The status part of {@link buildNode}, for status refreshes. */
export function nodeStatus(d: NodeDescription, ready: boolean, readyMessage = ""): NonNullable<Node["status"]> {
  return {
    capacity: d.capacity,
    allocatable: d.allocatable ?? d.capacity,
    conditions: nodeConditions(ready, readyMessage),
    addresses: d.addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: d.kubeletPort } },
    nodeInfo: {
      machineID: d.machineID ?? "",
      systemUUID: d.machineID ?? "",
      bootID: d.bootID ?? "",
      kernelVersion: d.kernelVersion ?? "",
      osImage: d.osImage ?? "",
      containerRuntimeVersion: d.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: "linux",
      architecture: d.architecture ?? goArch(),
    },
  };
}
