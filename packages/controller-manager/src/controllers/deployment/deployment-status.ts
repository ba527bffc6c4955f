/**
 * The Deployment status the controller reports: counts summed over its ReplicaSets, and the
 * Available, Progressing and ReplicaFailure conditions that `kubectl rollout status` and
 * `describe deploy` read.
 */
import type { Deployment, DeploymentStatus, ReplicaSet, WorkloadCondition } from "@kates/api";
import {
  getCondition, maxUnavailable, newCondition, removeCondition, replicasOf, setCondition, specReplicas, statusSum,
} from "./deployment-utils.js";

export const TIMED_OUT_REASON = "ProgressDeadlineExceeded";
export const NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable";
export const PAUSED_REASON = "DeploymentPaused";
export const RESUMED_REASON = "DeploymentResumed";

/** Counts and the Available condition, carrying the other conditions over from `d`. */
export function calculateStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number): DeploymentStatus {
  const available = statusSum(allRSs, "availableReplicas");
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: statusSum(allRSs, "replicas"),
    updatedReplicas: statusSum([newRS], "replicas"),
    readyReplicas: statusSum(allRSs, "readyReplicas"),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const conds = status.conditions!;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(conds, newCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", nowMs));
  } else {
    setCondition(conds, newCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", nowMs));
  }
  return status;
}

/** Every replica is updated and available and the spec has been observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** The new status moved the rollout forward compared with the one `d` carries. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** The last progress is older than progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined || deadline === null) return false;
  const cond = getCondition(s.conditions, "Progressing");
  if (!cond || cond.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (cond.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(cond.lastUpdateTime ?? cond.lastTransitionTime ?? "");
  return !Number.isNaN(from) && from + deadline * 1000 < nowMs;
}

/**
 * The full status after a rollout step: counts, Available, then Progressing (complete,
 * progressing, or timed out against progressDeadlineSeconds) and ReplicaFailure copied
 * from the ReplicaSets.
 */
export function rolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number): DeploymentStatus {
  const s = calculateStatus(d, allRSs, newRS, nowMs);
  const conds = s.conditions!;
  const current = getCondition(conds, "Progressing");
  const hasDeadline = d.spec?.progressDeadlineSeconds !== undefined && d.spec?.progressDeadlineSeconds !== null;
  if (hasDeadline && current?.reason !== TIMED_OUT_REASON) {
    if (deploymentComplete(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : "Deployment has successfully progressed.";
      setCondition(conds, newCondition("Progressing", "True", NEW_RS_AVAILABLE_REASON, msg, nowMs));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : "Deployment is progressing.";
      const cond = newCondition("Progressing", "True", "ReplicaSetUpdated", msg, nowMs);
      // Progress refreshes lastUpdateTime (the deadline clock) but not the transition time.
      if (current?.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(conds, "Progressing");
      conds.push(cond);
    } else if (deploymentTimedOut(d, s, nowMs)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(conds, newCondition("Progressing", "False", TIMED_OUT_REASON, msg, nowMs));
    }
  }
  const failure = replicaFailure([newRS, ...allRSs]);
  if (failure) {
    setCondition(conds, newCondition("ReplicaFailure", failure.status as WorkloadCondition["status"], failure.reason ?? "", failure.message ?? "", nowMs));
  } else {
    removeCondition(conds, "ReplicaFailure");
  }
  return s;
}

function replicaFailure(sets: (ReplicaSet | undefined)[]): WorkloadCondition | undefined {
  for (const rs of sets) {
    const c = getCondition(rs?.status?.conditions, "ReplicaFailure");
    if (c?.status === "True") return c;
  }
  return undefined;
}

/** Statuses equal in everything but condition timestamps that setCondition already kept. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b));
}

function normalize(s: DeploymentStatus): DeploymentStatus {
  const keys = ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "collisionCount"] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = s[k] ?? 0;
  out.conditions = [...(s.conditions ?? [])].sort((x, y) => (x.type < y.type ? -1 : 1)).map((c) => [c.type, c.status, c.reason, c.message, c.lastUpdateTime, c.lastTransitionTime]);
  return out as DeploymentStatus;
}
