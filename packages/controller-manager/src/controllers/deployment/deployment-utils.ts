/**
 * Deployment arithmetic and bookkeeping: surge/unavailable fenceposts, revisions and the
 * annotations kubectl reads (revision, revision-history, desired/max replicas,
 * change-cause), template matching, ReplicaSet ordering and conditions.
 */
import type { Deployment, IntOrString, PodTemplateSpec, ReplicaSet, WorkloadCondition } from "@kates/api";
import { canonicalJson } from "../shared/hash.js";

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
const ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to";
/** Deployment annotations that are not copied onto its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION]);
/** Kubernetes caps revision-history at this many characters. */
const REVISION_HISTORY_LIMIT_CHARS = 2000;

export const replicasOf = (d: Deployment): number => d.spec?.replicas ?? 1;
export const rsReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
export const isRollingUpdate = (d: Deployment): boolean => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

/** An int-or-percent resolved against `total`; percentages round up or down as asked. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge rounded up and maxUnavailable rounded down; both 0 would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValue(ru?.maxSurge ?? "25%", desired, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? "25%", desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Pods the rollout may run above replicas (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

/** Pods that may be unavailable during the rollout (0 for Recreate), never more than replicas. */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, replicasOf(d));
}

/** The revision number of an object, 0 when missing or malformed. */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } } | undefined): number {
  const v = obj?.metadata.annotations?.[REVISION_ANNOTATION];
  const n = v === undefined ? 0 : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

/** The highest revision among `sets`. */
export function maxRevision(sets: ReplicaSet[]): number {
  return sets.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** A template with the hash label and apiserver noise removed, for comparisons. */
function comparableTemplate(t: PodTemplateSpec | undefined): string {
  const c = structuredClone(t ?? {});
  const meta = (c.metadata ??= {});
  if (meta.labels) {
    delete meta.labels[POD_TEMPLATE_HASH_LABEL];
    if (!Object.keys(meta.labels).length) delete meta.labels;
  }
  if (meta.annotations && !Object.keys(meta.annotations).length) delete meta.annotations;
  if (meta.creationTimestamp === null) delete meta.creationTimestamp;
  if (!Object.keys(meta).length) delete c.metadata;
  return canonicalJson(c);
}

/** Two templates are the same apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return comparableTemplate(a) === comparableTemplate(b);
}

const createdAt = (rs: ReplicaSet) => (rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0);

/** Oldest first; ties broken by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return createdAt(a) - createdAt(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** The oldest ReplicaSet whose template matches the Deployment's: the "new" one. */
export function findNewReplicaSet(d: Deployment, sets: ReplicaSet[]): ReplicaSet | undefined {
  return [...sets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Sets with replicas > 0. */
export const activeSets = (sets: (ReplicaSet | undefined)[]): ReplicaSet[] => sets.filter((rs): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0);

/** Sum of spec.replicas. */
export const specReplicas = (sets: (ReplicaSet | undefined)[]): number => sets.reduce((n, rs) => n + rsReplicas(rs), 0);

/** Sum of a status counter. */
export function statusSum(sets: (ReplicaSet | undefined)[], field: "replicas" | "readyReplicas" | "availableReplicas"): number {
  return sets.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

/**
 * Copies the Deployment's annotations (except its own bookkeeping) onto the new
 * ReplicaSet and raises its revision to `newRevision`, keeping the old number in
 * revision-history. A set about to be created also gets desired/max replicas. Returns
 * whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const old = ann[REVISION_ANNOTATION];
  const oldNumber = old === undefined ? 0 : Number.parseInt(old, 10) || 0;
  if (oldNumber < newRevision) {
    ann[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old !== undefined && old !== "") {
      const history = ann[REVISION_HISTORY_ANNOTATION] ? ann[REVISION_HISTORY_ANNOTATION].split(",") : [];
      history.push(old);
      while (history.join(",").length > REVISION_HISTORY_LIMIT_CHARS && history.length > 1) history.shift();
      ann[REVISION_HISTORY_ANNOTATION] = history.join(",");
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Sets desired-replicas and max-replicas; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  if (ann[DESIRED_REPLICAS_ANNOTATION] === String(desired) && ann[MAX_REPLICAS_ANNOTATION] === String(max)) return false;
  ann[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  ann[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/** An integer annotation, or undefined. */
export function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** Finds a condition by type. */
export function getCondition(conditions: WorkloadCondition[] | undefined, type: string): WorkloadCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A new condition stamped at `nowMs`. */
export function newCondition(type: string, status: WorkloadCondition["status"], reason: string, message: string, nowMs: number): WorkloadCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/**
 * Puts `cond` into `conditions` (in place). Same status and reason: nothing changes, so a
 * steady state writes nothing. Same status, other reason: keeps lastTransitionTime.
 */
export function setCondition(conditions: WorkloadCondition[], cond: WorkloadCondition): void {
  const i = conditions.findIndex((c) => c.type === cond.type);
  const cur = conditions[i];
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond.lastTransitionTime = cur.lastTransitionTime;
  if (i >= 0) conditions.splice(i, 1);
  conditions.push(cond);
}

/** Removes a condition type (in place). */
export function removeCondition(conditions: WorkloadCondition[], type: string): void {
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) conditions.splice(i, 1);
}
