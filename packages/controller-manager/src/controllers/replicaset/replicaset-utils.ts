/**
 * ReplicaSet status arithmetic, shared by the ReplicaSet and ReplicationController
 * controllers (and read by the Deployment controller through the API).
 */
import type { KObject, Pod, PodTemplateSpec } from "@kates/api";
import { hasAllLabels, isPodAvailable, isPodReady } from "../shared/controller-utils.js";

/** A status condition as both kinds declare it. */
export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The fields ReplicaSet and ReplicationController have in common. */
export interface ReplicaSetLike extends KObject {
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec };
  status?: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: ReplicaSetCondition[];
  };
}

export type ReplicaSetLikeStatus = NonNullable<ReplicaSetLike["status"]>;

/**
 * The status `rs` should report for its active `pods`; `manageError` (a failed create or
 * delete) sets the ReplicaFailure condition, success clears it.
 */
export function calculateStatus(rs: ReplicaSetLike, pods: Pod[], manageError: unknown, diff: number, nowMs: number): ReplicaSetLikeStatus {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const status: ReplicaSetLikeStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => hasAllLabels(p.metadata.labels, templateLabels)).length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, nowMs)).length,
    observedGeneration: rs.metadata.generation,
  };
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
  const failure = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
  if (manageError) {
    conditions.push(failure ?? {
      type: "ReplicaFailure",
      status: "True",
      lastTransitionTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      reason: diff < 0 ? "FailedCreate" : "FailedDelete",
      message: errorMessage(manageError),
    });
  }
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** True when the two statuses differ in anything the controller owns. */
export function statusChanged(a: ReplicaSetLikeStatus | undefined, b: ReplicaSetLikeStatus): boolean {
  const keys = ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"] as const;
  if (!a) return true;
  if (keys.some((k) => (a[k] ?? 0) !== (b[k] ?? 0))) return true;
  return JSON.stringify(a.conditions ?? []) !== JSON.stringify(b.conditions ?? []);
}

/** The message of an error, for conditions and events. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
