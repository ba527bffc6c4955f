/**
 * One scheduling decision: filter nodes, score the feasible ones, pick the best. Like
 * kube-scheduler, a large cluster is not searched exhaustively: filtering stops once
 * numFeasibleNodesToFind nodes passed (adaptive percentageOfNodesToScore, at least 100
 * nodes), and the next pod starts where this one stopped, so every node gets its turn.
 */
import type { SchedulerCache } from "./scheduler-cache.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import type { FilterPlugin, NodeFilter, NodeScorer, ScorePlugin, Status } from "./plugins/types.js";
import { fitErrorMessage } from "./fit-error.js";

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/**
 * How many feasible nodes to look for. percentage 0 means adaptive: 50% minus 1% per 125
 * nodes, at least 5% (1,000 nodes -> 42% = 420 nodes); never fewer than 100 nodes.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * p) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

export type ScheduleResult =
  | { ok: true; nodeName: string; evaluated: number; feasible: number }
  | { ok: false; message: string; statuses: Status[]; numAllNodes: number };

export class Algorithm {
  private nextStartIndex = 0;

  constructor(
    private readonly cache: SchedulerCache,
    private readonly filters: readonly FilterPlugin[],
    private readonly scores: readonly ScorePlugin[],
    private readonly percentageOfNodesToScore = 0,
  ) {}

  schedule(pod: PodInfo): ScheduleResult {
    const nodes = this.cache.nodes();
    const n = nodes.length;
    const filters = this.filters.map((f) => f.forPod(pod)).filter((f): f is NodeFilter => f !== undefined);
    const want = numFeasibleNodesToFind(n, this.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const statuses: Status[] = [];
    let processed = 0;
    const start = n ? this.nextStartIndex % n : 0;
    for (; processed < n && feasible.length < want; processed++) {
      const node = nodes[(start + processed) % n]!;
      let status: Status | undefined;
      for (const f of filters) {
        status = f(node);
        if (status) break;
      }
      if (status) statuses.push(status);
      else feasible.push(node);
    }
    this.nextStartIndex = n ? (start + processed) % n : 0;
    if (feasible.length === 0) return { ok: false, message: fitErrorMessage(n, statuses), statuses, numAllNodes: n };
    const best = feasible.length === 1 ? feasible[0]! : this.pickBest(pod, feasible);
    return { ok: true, nodeName: best.name, evaluated: processed, feasible: feasible.length };
  }

  private pickBest(pod: PodInfo, nodes: NodeInfo[]): NodeInfo {
    const total = new Array<number>(nodes.length).fill(0);
    const raw = new Array<number>(nodes.length);
    for (const plugin of this.scores) {
      const scorer: NodeScorer | undefined = plugin.forPod(pod);
      if (!scorer) continue;
      for (let i = 0; i < nodes.length; i++) raw[i] = scorer.score(nodes[i]!);
      scorer.normalize?.(raw);
      for (let i = 0; i < nodes.length; i++) total[i]! += raw[i]! * plugin.weight;
    }
    // Ties are broken at random (reservoir sampling), so equal nodes share the load.
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (total[i]! > total[best]! + 1e-9) {
        best = i;
        ties = 1;
      } else if (Math.abs(total[i]! - total[best]!) <= 1e-9) {
        ties++;
        if (Math.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!;
  }
}
