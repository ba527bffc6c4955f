/**
 * LeastAllocated (NodeResourcesFit's default scoring strategy): prefer nodes with the most
 * cpu and memory left after placing the pod, weighing both equally. Uses the non-zero
 * requests (100m / 200Mi for containers that ask for nothing) so empty pods still spread.
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "./types.js";

function free(capacity: number, requested: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return ((capacity - requested) * MAX_NODE_SCORE) / capacity;
}

export const leastAllocated: ScorePlugin = {
  name: "NodeResourcesLeastAllocated",
  weight: 1,
  forPod(pod) {
    const r = pod.nonZeroRequests;
    return {
      score: (node) =>
        (free(node.allocatable.milliCPU, node.nonZeroRequested.milliCPU + r.milliCPU) +
          free(node.allocatable.memory, node.nonZeroRequested.memory + r.memory)) / 2,
    };
  },
};
