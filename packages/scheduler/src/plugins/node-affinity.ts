/**
 * NodeAffinity: spec.nodeSelector (every pair must match the node's labels) and
 * requiredDuringSchedulingIgnoredDuringExecution (the node must match at least one term;
 * within a term, every expression). matchFields supports metadata.name, as in Kubernetes.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from "@kates/api";
import type { NodeInfo } from "../node-info.js";
import { unresolvable, type FilterPlugin } from "./types.js";

export const ERR_REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

type Matcher = (node: NodeInfo) => boolean;

function intValue(s: string | undefined): number | undefined {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}

/** Compiles one requirement against a value getter (label or field). */
export function requirementMatcher(r: NodeSelectorRequirement, get: (n: NodeInfo) => string | undefined): Matcher {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return (n) => {
        const v = get(n);
        return v !== undefined && values.includes(v);
      };
    case "NotIn":
      return (n) => {
        const v = get(n);
        return v === undefined || !values.includes(v);
      };
    case "Exists":
      return (n) => get(n) !== undefined;
    case "DoesNotExist":
      return (n) => get(n) === undefined;
    case "Gt":
    case "Lt": {
      const bound = values.length === 1 ? intValue(values[0]) : undefined;
      if (bound === undefined) return () => false;
      return (n) => {
        const v = intValue(get(n));
        return v !== undefined && (r.operator === "Gt" ? v > bound : v < bound);
      };
    }
    default:
      return () => false;
  }
}

function termMatcher(term: NodeSelectorTerm): Matcher | undefined {
  const parts: Matcher[] = [];
  for (const r of term.matchExpressions ?? []) parts.push(requirementMatcher(r, (n) => n.labels[r.key]));
  for (const r of term.matchFields ?? []) {
    // Only metadata.name is a supported node field; anything else matches no node.
    parts.push(r.key === "metadata.name" ? requirementMatcher(r, (n) => n.name) : () => false);
  }
  // A term with no requirements matches nothing (Kubernetes' nodeSelectorTerm semantics).
  if (parts.length === 0) return undefined;
  return (n) => parts.every((m) => m(n));
}

export const nodeAffinity: FilterPlugin = {
  name: "NodeAffinity",
  forPod(pod) {
    const matchers: Matcher[] = [];
    const selector = Object.entries(pod.pod.spec?.nodeSelector ?? {});
    if (selector.length) matchers.push((n) => selector.every(([k, v]) => n.labels[k] === v));
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) {
      const terms = (required.nodeSelectorTerms ?? []).map(termMatcher).filter((m): m is Matcher => m !== undefined);
      matchers.push((n) => terms.some((t) => t(n)));
    }
    if (matchers.length === 0) return undefined;
    return (node) => (matchers.every((m) => m(node)) ? undefined : unresolvable("NodeAffinity", ERR_REASON_AFFINITY));
  },
};
