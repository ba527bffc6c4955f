/**
 * TaintToleration: a NoSchedule or NoExecute taint the pod does not tolerate rules the node
 * out; untolerated PreferNoSchedule taints lower the node's score.
 */
import type { Taint, Toleration } from "@kates/api";
import { MAX_NODE_SCORE, unresolvable, type FilterPlugin, type ScorePlugin } from "./types.js";

/** Whether a toleration matches a taint (empty key with Exists matches every taint). */
export function tolerates(t: Toleration, taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

export const taintTolerationFilter: FilterPlugin = {
  name: "TaintToleration",
  forPod(pod) {
    return (node) => {
      for (const taint of node.taints) {
        if (taint.effect === "PreferNoSchedule") continue;
        if (pod.tolerations.some((t) => tolerates(t, taint))) continue;
        return unresolvable("TaintToleration", `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
      }
      return undefined;
    };
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: "TaintToleration",
  weight: 3,
  forPod(pod) {
    const relevant = pod.tolerations.filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    return {
      score: (node) => {
        let n = 0;
        for (const taint of node.taints) if (taint.effect === "PreferNoSchedule" && !relevant.some((t) => tolerates(t, taint))) n++;
        return n;
      },
      // Fewer intolerable taints is better: reverse, scaled to the worst node.
      normalize(scores) {
        const max = Math.max(0, ...scores);
        for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - (scores[i]! * MAX_NODE_SCORE) / max;
      },
    };
  },
};
