/**
 * SelectorSpread (a lite PodTopologySpread over the hostname topology): pods with the same
 * controller owner prefer the nodes holding the fewest of their siblings. Counting by owner
 * uid, kept per node by NodeInfo, stands in for matching the owner's selector, which the
 * scheduler would otherwise have to look up per pod.
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "./types.js";

export const selectorSpread: ScorePlugin = {
  name: "SelectorSpread",
  weight: 2,
  forPod(pod) {
    const owner = pod.ownerUID;
    if (!owner) return undefined;
    return {
      score: (node) => node.ownerCounts.get(owner) ?? 0,
      normalize(scores) {
        const max = Math.max(0, ...scores);
        for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_NODE_SCORE : ((max - scores[i]!) * MAX_NODE_SCORE) / max;
      },
    };
  },
};
