/**
 * apps/v1 workload controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet, and the
 * ControllerRevisions that record StatefulSet templates.
 * Field numbers follow k8s.io/api v0.32 generated.proto; see dsl.ts for the notation.
 */
import { msg, type MessageDef, type PackageDef } from "./dsl.js";

const condition = (what: string): MessageDef =>
  msg(`One condition of a ${what}.`, {
    type: [1, "string", "The condition's name."],
    status: [2, "string", "True, False or Unknown."],
    lastTransitionTime: [3, "Time", "When the status last flipped."],
    reason: [4, "string", "A short CamelCase word for the last transition."],
    message: [5, "string", "Human-readable detail."],
  });

const workload = (what: string, spec: string, status: string): MessageDef =>
  msg(what, {
    metadata: [1, "ObjectMeta", "Standard object metadata."],
    spec: [2, spec, "The desired state."],
    status: [3, status, "The state the controller last observed."],
  });

export const appsV1: PackageDef = {
  alias: "apps",
  apiVersion: "apps/v1",
  openapiPrefix: "io.k8s.api.apps.v1",
  kinds: ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ControllerRevision"],
  messages: {
    Deployment: workload("Rolls out a pod template through ReplicaSets, replacing old pods gradually.", "DeploymentSpec", "DeploymentStatus"),
    DeploymentSpec: msg("Desired state of a deployment.", {
      replicas: [1, "*int32", "How many pods to run; 1 by default."],
      selector: [2, "*LabelSelector", "Labels of the pods the deployment manages; must match the template."],
      template: [3, "core.PodTemplateSpec", "The pods to create."],
      strategy: [4, "DeploymentStrategy", "How old pods are replaced by new ones."],
      minReadySeconds: [5, "int32", "Seconds a new pod must be ready before it counts as available."],
      revisionHistoryLimit: [6, "*int32", "How many old ReplicaSets to keep for rollback; 10 by default."],
      paused: [7, "bool", "Stop rolling out template changes while true."],
      progressDeadlineSeconds: [9, "*int32", "Seconds without progress before the rollout is reported stuck."],
    }),
    DeploymentStrategy: msg("How a deployment replaces pods.", {
      type: [1, "string", "RollingUpdate (the default) or Recreate."],
      rollingUpdate: [2, "*RollingUpdateDeployment", "Tuning for RollingUpdate."],
    }),
    RollingUpdateDeployment: msg("Limits on how fast a rolling update proceeds.", {
      maxUnavailable: [1, "*IntOrString", "Most pods, or percentage, that may be unavailable during the update."],
      maxSurge: [2, "*IntOrString", "Most pods, or percentage, allowed above the desired count."],
    }),
    DeploymentStatus: msg("Observed state of a deployment.", {
      observedGeneration: [1, "int64", "The generation the controller last acted on."],
      replicas: [2, "int32", "Pods targeted by the deployment."],
      updatedReplicas: [3, "int32", "Pods running the current template."],
      readyReplicas: [7, "int32", "Pods that are ready."],
      availableReplicas: [4, "int32", "Pods ready for at least minReadySeconds."],
      unavailableReplicas: [5, "int32", "Pods still needed to reach full availability."],
      conditions: [6, "[]DeploymentCondition", "Available and Progressing conditions."],
      collisionCount: [8, "*int32", "Bumped when a ReplicaSet name collides, to vary the next hash."],
    }),
    DeploymentCondition: msg("One condition of a deployment.", {
      type: [1, "string", "Available, Progressing or ReplicaFailure."],
      status: [2, "string", "True, False or Unknown."],
      lastUpdateTime: [6, "Time", "When the condition was last refreshed."],
      lastTransitionTime: [7, "Time", "When the status last flipped."],
      reason: [4, "string", "A short CamelCase word for the last transition."],
      message: [5, "string", "Human-readable detail."],
    }),
    ReplicaSet: workload("Keeps a number of identical pods running.", "ReplicaSetSpec", "ReplicaSetStatus"),
    ReplicaSetSpec: msg("Desired state of a replica set.", {
      replicas: [1, "*int32", "How many pods to keep; 1 by default."],
      minReadySeconds: [4, "int32", "Seconds a pod must be ready before it counts as available."],
      selector: [2, "*LabelSelector", "Labels of the pods it manages; must match the template."],
      template: [3, "core.PodTemplateSpec", "The pods to create."],
    }),
    ReplicaSetStatus: msg("Observed state of a replica set.", {
      replicas: [1, "int32", "Pods currently managed."],
      fullyLabeledReplicas: [2, "int32", "Pods whose labels match the template's."],
      readyReplicas: [4, "int32", "Pods that are ready."],
      availableReplicas: [5, "int32", "Pods ready for at least minReadySeconds."],
      observedGeneration: [3, "int64", "The generation the controller last acted on."],
      conditions: [6, "[]ReplicaSetCondition", "Current conditions."],
    }),
    ReplicaSetCondition: condition("replica set"),
    StatefulSet: workload("Runs pods with stable names and storage, created and removed in order.", "StatefulSetSpec", "StatefulSetStatus"),
    StatefulSetSpec: msg("Desired state of a stateful set.", {
      replicas: [1, "*int32", "How many pods to run; 1 by default."],
      selector: [2, "*LabelSelector", "Labels of the pods it manages; must match the template."],
      template: [3, "core.PodTemplateSpec", "The pods to create."],
      volumeClaimTemplates: [4, "[]core.PersistentVolumeClaim", "Claims created for each pod."],
      serviceName: [5, "string", "Headless service giving the pods their DNS names."],
      podManagementPolicy: [6, "string", "OrderedReady or Parallel."],
      updateStrategy: [7, "StatefulSetUpdateStrategy", "How pods are replaced after a template change."],
      revisionHistoryLimit: [8, "*int32", "How many old revisions to keep."],
      minReadySeconds: [9, "int32", "Seconds a pod must be ready before it counts as available."],
      persistentVolumeClaimRetentionPolicy: [10, "*StatefulSetPersistentVolumeClaimRetentionPolicy", "What happens to claims when pods go away."],
      ordinals: [11, "*StatefulSetOrdinals", "Numbering of the pods."],
    }),
    StatefulSetUpdateStrategy: msg("How a stateful set updates its pods.", {
      type: [1, "string", "RollingUpdate (the default) or OnDelete."],
      rollingUpdate: [2, "*RollingUpdateStatefulSetStrategy", "Tuning for RollingUpdate."],
    }),
    RollingUpdateStatefulSetStrategy: msg("Tuning for a stateful set rolling update.", {
      partition: [1, "*int32", "Only pods with an ordinal at or above this are updated."],
      maxUnavailable: [2, "*IntOrString", "Most pods that may be unavailable during the update."],
    }),
    StatefulSetPersistentVolumeClaimRetentionPolicy: msg("Whether claims outlive their pods.", {
      whenDeleted: [1, "string", "Retain or Delete when the stateful set is deleted."],
      whenScaled: [2, "string", "Retain or Delete when the stateful set scales down."],
    }),
    StatefulSetOrdinals: msg("Numbering of stateful set pods.", {
      start: [1, "int32", "The first ordinal used."],
    }),
    StatefulSetStatus: msg("Observed state of a stateful set.", {
      observedGeneration: [1, "int64", "The generation the controller last acted on."],
      replicas: [2, "int32", "Pods created."],
      readyReplicas: [3, "int32", "Pods that are ready."],
      currentReplicas: [4, "int32", "Pods at currentRevision."],
      updatedReplicas: [5, "int32", "Pods at updateRevision."],
      currentRevision: [6, "string", "Revision of the older pods."],
      updateRevision: [7, "string", "Revision the pods are being moved to."],
      collisionCount: [9, "*int32", "Bumped when a revision name collides."],
      conditions: [10, "[]StatefulSetCondition", "Current conditions."],
      availableReplicas: [11, "int32", "Pods ready for at least minReadySeconds."],
    }),
    StatefulSetCondition: condition("stateful set"),
    DaemonSet: workload("Runs one copy of a pod on every eligible node.", "DaemonSetSpec", "DaemonSetStatus"),
    DaemonSetSpec: msg("Desired state of a daemon set.", {
      selector: [1, "*LabelSelector", "Labels of the pods it manages; must match the template."],
      template: [2, "core.PodTemplateSpec", "The pod run on each node."],
      updateStrategy: [3, "DaemonSetUpdateStrategy", "How pods are replaced after a template change."],
      minReadySeconds: [4, "int32", "Seconds a pod must be ready before it counts as available."],
      revisionHistoryLimit: [6, "*int32", "How many old revisions to keep."],
    }),
    DaemonSetUpdateStrategy: msg("How a daemon set updates its pods.", {
      type: [1, "string", "RollingUpdate (the default) or OnDelete."],
      rollingUpdate: [2, "*RollingUpdateDaemonSet", "Tuning for RollingUpdate."],
    }),
    RollingUpdateDaemonSet: msg("Tuning for a daemon set rolling update.", {
      maxUnavailable: [1, "*IntOrString", "Most nodes whose pod may be unavailable at once."],
      maxSurge: [2, "*IntOrString", "Most nodes that may run an extra new pod during the update."],
    }),
    DaemonSetStatus: msg("Observed state of a daemon set.", {
      currentNumberScheduled: [1, "int32", "Nodes running the pod that should."],
      numberMisscheduled: [2, "int32", "Nodes running the pod that should not."],
      desiredNumberScheduled: [3, "int32", "Nodes that should run the pod."],
      numberReady: [4, "int32", "Nodes whose pod is ready."],
      observedGeneration: [5, "int64", "The generation the controller last acted on."],
      updatedNumberScheduled: [6, "int32", "Nodes running the current template."],
      numberAvailable: [7, "int32", "Nodes whose pod has been ready for minReadySeconds."],
      numberUnavailable: [8, "int32", "Nodes whose pod is not available."],
      collisionCount: [9, "*int32", "Bumped when a revision name collides."],
      conditions: [10, "[]DaemonSetCondition", "Current conditions."],
    }),
    DaemonSetCondition: condition("daemon set"),
    ControllerRevision: msg("An immutable snapshot of a workload's template, numbered for rollback.", {
      metadata: [1, "ObjectMeta", "Standard object metadata."],
      data: [2, "RawExtension", "The serialized state: a patch that restores the template."],
      revision: [3, "int64", "The revision's number; higher is newer."],
    }),
  },
};
