/**
 * NodeInfo: one node as the scheduler sees it, kept up to date incrementally from informer
 * events (and from pods the scheduler has assumed onto it) so a scheduling cycle never walks
 * the pod list: allocatable, summed requests, pod count, used host ports, taints, readiness,
 * and per-owner pod counts for spreading.
 */
import type { Node, Taint } from "@kates/api";
import { bytes, milliCPU, type PodInfo, type Resources } from "./pod-info.js";

export interface Allocatable extends Resources {
  pods: number;
}

export class NodeInfo {
  /** Undefined while pods name a node the informer has not delivered (yet). */
  node?: Node;
  allocatable: Allocatable = { milliCPU: 0, memory: 0, pods: 0 };
  labels: Record<string, string> = {};
  taints: Taint[] = [];
  ready = false;
  unschedulable = false;
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  readonly nonZeroRequested: Resources = { milliCPU: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  /** "TCP/8080/10.0.0.1" and "TCP/8080" (any address) -> number of pods using it. */
  readonly usedPorts = new Map<string, number>();
  readonly ownerCounts = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    const a = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.allocatable = { milliCPU: milliCPU(a.cpu), memory: bytes(a.memory), pods: Number(a.pods ?? 0) || 0 };
    this.labels = node.metadata.labels ?? {};
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    this.ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  }

  addPod(p: PodInfo): void {
    if (this.pods.has(p.uid)) this.removePod(p.uid);
    this.pods.set(p.uid, p);
    this.adjust(p, 1);
  }

  removePod(uid: string): PodInfo | undefined {
    const p = this.pods.get(uid);
    if (!p) return undefined;
    this.pods.delete(uid);
    this.adjust(p, -1);
    return p;
  }

  private adjust(p: PodInfo, sign: 1 | -1): void {
    this.requested.milliCPU += sign * p.requests.milliCPU;
    this.requested.memory += sign * p.requests.memory;
    this.nonZeroRequested.milliCPU += sign * p.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory += sign * p.nonZeroRequests.memory;
    for (const hp of p.hostPorts) {
      bump(this.usedPorts, `${hp.protocol}/${hp.port}/${hp.hostIP}`, sign);
      bump(this.usedPorts, `${hp.protocol}/${hp.port}`, sign);
    }
    if (p.ownerUID) bump(this.ownerCounts, p.ownerUID, sign);
  }
}

function bump(m: Map<string, number>, k: string, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}
