/**
 * Node health bookkeeping: when the controller last saw a node's heartbeat change, by its
 * own clock. Comparing the apiserver-stamped renewTime with the local clock would let
 * clock skew mark nodes dead, so, as Kubernetes does, only a *change* of the Lease
 * renewTime (or of the Ready heartbeat) counts, timed when this controller observed it.
 * A freshly started (or newly elected) controller gives every node a full grace period.
 */
import type { Lease, Node, NodeCondition } from "@kates/api";

/** Condition types the kubelet posts and the controller marks Unknown when it goes quiet. */
export const NODE_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/** Tracks heartbeats per node; `stale(node, lease, now)` says whether grace has run out. */
export class NodeHealthTracker {
  private readonly seen = new Map<string, { heartbeat: string; at: number }>();

  constructor(private readonly gracePeriodMs: number) {}

  /** Records the current heartbeat and tells whether the node is past its grace period. */
  stale(node: Node, lease: Lease | undefined, now: number): boolean {
    const name = node.metadata.name!;
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    const heartbeat = `${lease?.spec?.renewTime ?? ""}|${ready?.lastHeartbeatTime ?? ""}`;
    const prev = this.seen.get(name);
    if (!prev || prev.heartbeat !== heartbeat) {
      this.seen.set(name, { heartbeat, at: now });
      return false;
    }
    return now - prev.at > this.gracePeriodMs;
  }

  /** When the node goes stale unless a heartbeat arrives first (epoch ms), if known. */
  deadline(name: string): number | undefined {
    const prev = this.seen.get(name);
    return prev && prev.at + this.gracePeriodMs;
  }

  /** Forgets a deleted node. */
  forget(name: string): void {
    this.seen.delete(name);
  }
}

/**
 * The conditions of a node whose kubelet went quiet: every kubelet condition Unknown
 * (transition time now, heartbeat kept), and a Ready Unknown if it never posted one.
 * Returns undefined when Ready is already Unknown (nothing to write).
 */
export function unknownConditions(node: Node, now: Date): NodeCondition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready?.status === "Unknown") return undefined;
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z");
  const out = conditions.map((c) =>
    NODE_CONDITIONS.includes(c.type) && c.status !== "Unknown"
      ? { ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: stamp }
      : c,
  );
  if (!ready) {
    out.push({ type: "Ready", status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node.metadata.creationTimestamp ?? stamp, lastTransitionTime: stamp });
  }
  return out;
}
