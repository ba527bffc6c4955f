/**
 * The FailedScheduling message, worded as kube-scheduler 1.32 words it: a histogram of the
 * filter reasons over all nodes (each "count reason" string sorted as Go's sort.Strings
 * would), then what preemption concluded. kates does not preempt, and all pods are treated
 * as priority 0, so nodes ruled out by something preemption cannot change are "not helpful"
 * and the rest have "no victims", which is what Kubernetes reports for such a cluster.
 */
import type { Status } from "./plugins/types.js";

export const NO_NODES_AVAILABLE = "no nodes available to schedule pods";

function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Byte order, as Go's sort.Strings: "1 node(s)..." sorts before "2 Insufficient cpu".
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.join(", ");
}

/** The message for a pod no node fits; `statuses` holds one Status per filtered-out node. */
export function fitErrorMessage(numAllNodes: number, statuses: readonly Status[]): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  const head = `0/${numAllNodes} nodes are available`;
  const filterMsg = histogram(statuses.flatMap((s) => s.reasons));
  const preemption = histogram(statuses.map((s) =>
    s.code === "UnschedulableAndUnresolvable" ? "Preemption is not helpful for scheduling" : "No preemption victims found for incoming pod"));
  return `${head}:${filterMsg ? ` ${filterMsg}.` : ""} preemption: ${head}: ${preemption}.`;
}
