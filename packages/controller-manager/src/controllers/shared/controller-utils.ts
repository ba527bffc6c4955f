/**
 * Helpers every workload controller shares: controller owner references, pod state
 * (active, ready, available) and the order in which surplus pods are deleted.
 */
import type { KObject, OwnerReference, Pod } from "@kates/api";

/** The ownerReference marked `controller: true`, if any. */
export function getControllerOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/** A controller reference to `owner`, as controllers put on the objects they create or adopt. */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/**
 * Merge-patch body that adds `ref` to `obj`'s ownerReferences. Carrying uid and
 * resourceVersion makes the patch conditional: it fails with a conflict if the object
 * changed (e.g. another controller adopted it) since our cache saw it.
 */
export function adoptPatch(obj: KObject, ref: OwnerReference): Record<string, unknown> {
  const refs = [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  return { metadata: { ownerReferences: refs, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } };
}

/** Merge-patch body that removes the owner `ownerUid` from `obj` (conditional like adoptPatch). */
export function releasePatch(obj: KObject, ownerUid: string): Record<string, unknown> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return { metadata: { ownerReferences: refs.length ? refs : null, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } };
}

/** A pod that counts toward replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** Ready for at least `minReadySeconds` at `nowMs` (ready at all when it is 0). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const cond = readyCondition(pod);
  if (cond?.status !== "True") return false;
  if (!minReadySeconds) return true;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Milliseconds timestamp since when the pod has been ready, or undefined. */
function readySince(pod: Pod): number | undefined {
  const cond = readyCondition(pod);
  if (cond?.status !== "True" || !cond.lastTransitionTime) return undefined;
  return Date.parse(cond.lastTransitionTime);
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
const created = (p: Pod) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : Number.POSITIVE_INFINITY);

/**
 * Orders pods so the ones to delete first come first, with Kubernetes' preferences:
 * unscheduled before scheduled, Pending before Unknown before Running, not ready before
 * ready, pods sharing a node with more of their siblings first, ready for less time first,
 * more restarts first, newer first. `rank` counts related pods on the same node.
 */
export function compareForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number = () => 0): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod) => PHASE_RANK[p.status?.phase ?? "Pending"] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (rank(a) !== rank(b)) return rank(b) - rank(a);
  const ra = readySince(a);
  const rb = readySince(b);
  if (ra !== undefined && rb !== undefined && ra !== rb) return rb - ra;
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return created(b) - created(a);
}

/**
 * The `count` pods to delete from `pods`, preferring as compareForDeletion does; `related`
 * (all active pods of the owner's family) decides how crowded each node is.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node && isPodActive(p)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, count);
}

/** Template labels are a subset of the pod's labels (ReplicaSet's fullyLabeledReplicas). */
export function hasAllLabels(labels: Record<string, string> | undefined, want: Record<string, string> | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => labels?.[k] === v);
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (client-go's slowStartBatch), stopping
 * after the first batch with a failure, so a broken template costs one failed call rather
 * than hundreds. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += results.filter((r) => r.status === "fulfilled").length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
