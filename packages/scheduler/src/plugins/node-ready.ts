/**
 * NodeReady: only nodes whose Ready condition is True. Kubernetes gets this from the
 * not-ready/unreachable taints the node lifecycle controller adds; checking the condition
 * too means a node is skipped as soon as its kubelet reports it, before any taint lands.
 * The message is the one Kubernetes' old CheckNodeCondition predicate used.
 */
import { unresolvable, type FilterPlugin } from "./types.js";

export const ERR_REASON_NOT_READY = "node(s) were not ready";

export const nodeReady: FilterPlugin = {
  name: "NodeReady",
  forPod() {
    return (node) => (node.ready ? undefined : unresolvable("NodeReady", ERR_REASON_NOT_READY));
  },
};
