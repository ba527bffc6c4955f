/** The default plugin set, in Kubernetes' filter order (cheap, decisive checks first). */
import type { FilterPlugin, ScorePlugin } from "./types.js";
import { nodeUnschedulable } from "./node-unschedulable.js";
import { taintTolerationFilter, taintTolerationScore } from "./taint-toleration.js";
import { nodeReady } from "./node-ready.js";
import { nodeAffinity } from "./node-affinity.js";
import { nodePorts } from "./node-ports.js";
import { nodeResourcesFit } from "./node-resources-fit.js";
import { leastAllocated } from "./least-allocated.js";
import { selectorSpread } from "./selector-spread.js";

export const DEFAULT_FILTERS: readonly FilterPlugin[] = [nodeUnschedulable, taintTolerationFilter, nodeReady, nodeAffinity, nodePorts, nodeResourcesFit];
export const DEFAULT_SCORES: readonly ScorePlugin[] = [leastAllocated, selectorSpread, taintTolerationScore];
