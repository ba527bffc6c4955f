/**
 * The plugin shapes: a filter or score plugin looks at the pod once (`forPod`) and returns a
 * per-node function, or undefined when it has nothing to check for this pod. That keeps the
 * per-node work to the few comparisons that matter, which is what lets one cycle cover
 * hundreds of nodes in well under a millisecond.
 */
import type { NodeInfo } from "../node-info.js";
import type { PodInfo } from "../pod-info.js";

/**
 * "Unschedulable": preemption could help (e.g. Insufficient cpu).
 * "UnschedulableAndUnresolvable": nothing on the node can change that (taints, selectors).
 */
export type StatusCode = "Unschedulable" | "UnschedulableAndUnresolvable";

/** Why a node was filtered out; `reasons` are the messages counted in FailedScheduling. */
export interface Status {
  code: StatusCode;
  reasons: string[];
  plugin: string;
}

export type NodeFilter = (node: NodeInfo) => Status | undefined;

export interface FilterPlugin {
  name: string;
  forPod(pod: PodInfo): NodeFilter | undefined;
}

/** Raw per-node scores, then optionally normalized in place to 0..100. */
export interface NodeScorer {
  score(node: NodeInfo): number;
  normalize?(scores: number[]): void;
}

export interface ScorePlugin {
  name: string;
  weight: number;
  forPod(pod: PodInfo): NodeScorer | undefined;
}

/** Highest score a plugin gives a node (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

export function unschedulable(plugin: string, ...reasons: string[]): Status {
  return { code: "Unschedulable", reasons, plugin };
}

export function unresolvable(plugin: string, ...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons, plugin };
}
