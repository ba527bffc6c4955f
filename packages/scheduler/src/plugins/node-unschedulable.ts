/** NodeUnschedulable: cordoned nodes (spec.unschedulable) take no pods unless the pod tolerates the unschedulable taint. */
import { unresolvable, type FilterPlugin } from "./types.js";
import { tolerates } from "./taint-toleration.js";

export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" as const };

export const nodeUnschedulable: FilterPlugin = {
  name: "NodeUnschedulable",
  forPod(pod) {
    if (pod.tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) return undefined;
    return (node) => (node.unschedulable ? unresolvable("NodeUnschedulable", ERR_REASON_UNSCHEDULABLE) : undefined);
  },
};
