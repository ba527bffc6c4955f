/**
 * Pure rules of the node lifecycle controller: which condition taints a node should carry,
 * whether a toleration matches a taint, and when a pod on a NoExecute-tainted node must go.
 */
import type { NodeCondition, Pod, Taint, Toleration } from "@kates/api";

/** Taint keys the controller manages from the Ready condition. */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
const MANAGED = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

/**
 * The node's taints with the condition taints made to match `ready` (the Ready condition's
 * status, undefined when the kubelet never posted one): False -> not-ready, Unknown ->
 * unreachable, each as NoSchedule and NoExecute. Taints that stay keep their timeAdded.
 */
export function reconcileConditionTaints(current: Taint[], ready: NodeCondition["status"] | undefined, now: Date): Taint[] {
  const key = ready === "False" ? TAINT_NOT_READY : ready === "Unknown" ? TAINT_UNREACHABLE : undefined;
  const out = current.filter((t) => !MANAGED.has(t.key) || t.key === key);
  if (!key) return out;
  for (const effect of ["NoSchedule", "NoExecute"] as const) {
    if (!out.some((t) => t.key === key && t.effect === effect)) out.push({ key, effect, timeAdded: now.toISOString().replace(/\.\d+Z$/, "Z") });
  }
  return out;
}

/** Whether two taint lists differ (order ignored). */
export function taintsDiffer(a: Taint[], b: Taint[]): boolean {
  const norm = (ts: Taint[]) => ts.map((t) => `${t.key}=${t.value ?? ""}:${t.effect}@${t.timeAdded ?? ""}`).sort().join(",");
  return norm(a) !== norm(b);
}

/** Kubernetes' toleration matching: empty key with Exists matches every taint. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === "Exists") return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? "") === (taint.value ?? "");
}

/**
 * When the pod must be evicted given the node's NoExecute taints, in epoch ms: `0` for at
 * once (a taint it does not tolerate), `undefined` for never (tolerated without a time
 * limit, or no NoExecute taints), else the earliest timeAdded + tolerationSeconds over the
 * taints. A taint without timeAdded counts from `firstSeen(taint)`.
 */
export function evictionTime(pod: Pod, taints: Taint[], firstSeen: (t: Taint) => number): number | undefined {
  const noExecute = taints.filter((t) => t.effect === "NoExecute");
  const tolerations = pod.spec?.tolerations ?? [];
  let at: number | undefined;
  for (const taint of noExecute) {
    const matching = tolerations.filter((tol) => toleratesTaint(tol, taint));
    if (!matching.length) return 0;
    // The most lenient matching toleration decides; one without a limit tolerates forever.
    if (matching.some((tol) => tol.tolerationSeconds === undefined || tol.tolerationSeconds === null)) continue;
    const seconds = Math.max(...matching.map((tol) => Math.max(0, tol.tolerationSeconds!)));
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : firstSeen(taint);
    const deadline = added + seconds * 1000;
    at = at === undefined ? deadline : Math.min(at, deadline);
  }
  return at;
}
