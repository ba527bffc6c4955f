/** Builders of Nodes and Pods for the scheduler's unit tests. */
import type { Container, Node, Pod, Taint } from "@kates/api";
import { NodeInfo } from "./node-info.js";
import { podInfo, type PodInfo } from "./pod-info.js";

export interface NodeSpecLite {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  ready?: boolean;
  unschedulable?: boolean;
}

export function makeNode(name: string, o: NodeSpecLite = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? "4", memory: o.memory ?? "16Gi", pods: String(o.pods ?? 110) },
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

let seq = 0;

export function makePod(name: string, spec: Partial<NonNullable<Pod["spec"]>> & { cpu?: string; memory?: string; owner?: string } = {}): Pod {
  const { cpu, memory, owner, ...rest } = spec;
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  const c: Container = { name: "c", image: "nginx", resources: { requests } };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}-${++seq}`,
      ...(owner && { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] }),
    },
    spec: { containers: [c], ...rest },
  };
}

export function nodeInfo(node: Node, ...pods: Pod[]): NodeInfo {
  const n = new NodeInfo(node.metadata.name ?? "");
  n.setNode(node);
  for (const p of pods) n.addPod(podInfo(p));
  return n;
}

export function info(pod: Pod): PodInfo {
  return podInfo(pod);
}
