/**
 * Which nodes a DaemonSet's pods belong on: the node's labels against the template's
 * nodeSelector and required node affinity, and its taints against the template's tolerations
 * plus the ones Kubernetes adds to every daemon pod.
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from "@kates/api";

/** Tolerations every DaemonSet pod gets, so daemons keep running on sick or cordoned nodes (as Kubernetes adds). */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const t = (key: string, effect: Toleration["effect"]): Toleration => ({ key, operator: "Exists", effect });
  const out = [
    t("node.kubernetes.io/not-ready", "NoExecute"),
    t("node.kubernetes.io/unreachable", "NoExecute"),
    t("node.kubernetes.io/disk-pressure", "NoSchedule"),
    t("node.kubernetes.io/memory-pressure", "NoSchedule"),
    t("node.kubernetes.io/pid-pressure", "NoSchedule"),
    t("node.kubernetes.io/unschedulable", "NoSchedule"),
  ];
  if (spec.hostNetwork) out.push(t("node.kubernetes.io/network-unavailable", "NoSchedule"));
  return out;
}

/** The template's tolerations with the daemon ones added (without duplicates). */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const own = spec.tolerations ?? [];
  const extra = daemonTolerations(spec).filter((d) => !own.some((o) => o.key === d.key && o.effect === d.effect && (o.operator ?? "Equal") === "Exists"));
  return [...own, ...extra];
}

/** Kubernetes' toleration matching: empty key with Exists matches every taint; empty effect matches every effect. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In": return value !== undefined && vals.includes(value);
    case "NotIn": return value === undefined || !vals.includes(value);
    case "Exists": return value !== undefined;
    case "DoesNotExist": return value === undefined;
    case "Gt": return value !== undefined && Number(value) > Number(vals[0]);
    case "Lt": return value !== undefined && Number(value) < Number(vals[0]);
    default: return false;
  }
}

/** A term matches if all its expressions (labels) and fields (metadata.name) match; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementMatches(r, node.metadata.labels?.[r.key]))
    && fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata.name));
}

/** nodeSelector and required node affinity (terms are ORed). */
export function nodeMatchesSelectors(spec: PodSpec, node: Node): boolean {
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || terms.some((t) => termMatches(t, node));
}

/**
 * shouldRun: a daemon pod should be placed here. shouldContinueRunning: an existing one may
 * stay (only NoExecute taints and selectors evict; a new NoSchedule taint does not).
 */
export function nodeShouldRunDaemonPod(node: Node, spec: PodSpec): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if (!nodeMatchesSelectors(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const untolerated = (effects: string[]) => (node.spec?.taints ?? []).some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
  return { shouldRun: !untolerated(["NoSchedule", "NoExecute"]), shouldContinueRunning: !untolerated(["NoExecute"]) };
}

/** The node a daemon pod is for: its nodeName once bound, else the name in its matchFields affinity. */
export function daemonPodNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = term.matchFields?.find((r) => r.key === "metadata.name" && r.operator === "In" && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

/** The pod spec for node `nodeName`: its required node affinity pins it there, and it gets the daemon tolerations. */
export function daemonPodSpec(spec: PodSpec, nodeName: string): PodSpec {
  const out = structuredClone(spec);
  out.affinity ??= {};
  out.affinity.nodeAffinity ??= {};
  // Replacing the terms is safe: the controller already checked the node satisfies them.
  out.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }],
  };
  out.tolerations = withDaemonTolerations(spec);
  return out;
}

/** maxUnavailable as a pod count: an int, or a percentage of `total` rounded up; at least 1. */
export function resolveMaxUnavailable(v: number | string | undefined, total: number): number {
  if (v === undefined) return 1;
  const n = typeof v === "number" ? v : v.endsWith("%") ? Math.ceil((Number(v.slice(0, -1)) / 100) * total) : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 1;
}
