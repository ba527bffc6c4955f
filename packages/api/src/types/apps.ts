/**
 * apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet.
 */
import type { KObject, LabelSelector } from "../meta.js";
import type { IntOrString, PersistentVolumeClaim, PodTemplateSpec } from "./core.js";

/** A workload condition (Deployment's Available/Progressing, ReplicaSet's ReplicaFailure, ...). */
export interface WorkloadCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface RollingUpdateDeployment {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

export interface DeploymentStrategy {
  type?: "Recreate" | "RollingUpdate";
  rollingUpdate?: RollingUpdateDeployment;
}

export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: WorkloadCondition[];
  collisionCount?: number;
}

/** An apps/v1 Deployment: declarative rollouts over ReplicaSets. */
export interface Deployment extends KObject {
  apiVersion?: "apps/v1";
  kind?: "Deployment";
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template?: PodTemplateSpec;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: WorkloadCondition[];
}

/** An apps/v1 ReplicaSet: keeps N pods matching its selector running. */
export interface ReplicaSet extends KObject {
  apiVersion?: "apps/v1";
  kind?: "ReplicaSet";
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface DaemonSetUpdateStrategy {
  type?: "RollingUpdate" | "OnDelete";
  rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString };
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: WorkloadCondition[];
}

/** An apps/v1 DaemonSet: one pod per eligible node. */
export interface DaemonSet extends KObject {
  apiVersion?: "apps/v1";
  kind?: "DaemonSet";
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

export interface StatefulSetUpdateStrategy {
  type?: "RollingUpdate" | "OnDelete";
  rollingUpdate?: { partition?: number; maxUnavailable?: IntOrString };
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: "OrderedReady" | "Parallel";
  updateStrategy?: StatefulSetUpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas?: number;
  conditions?: WorkloadCondition[];
}

/** An apps/v1 StatefulSet: pods with stable names and storage. */
export interface StatefulSet extends KObject {
  apiVersion?: "apps/v1";
  kind?: "StatefulSet";
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}

/**
 * An apps/v1 ControllerRevision: an immutable snapshot of a workload's template (`data`, a
 * patch that restores it) numbered by `revision`, which `kubectl rollout history/undo` read.
 */
export interface ControllerRevision extends KObject {
  apiVersion?: "apps/v1";
  kind?: "ControllerRevision";
  /** Arbitrary JSON (runtime.RawExtension). */
  data?: unknown;
  revision: number;
}
