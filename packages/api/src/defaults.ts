/**
 * Kubernetes' defaulting, applied by the apiserver to every object it decodes (create,
 * update, patch) before validation. Allocation (clusterIP, nodePort, uid, names) is the
 * apiserver's job and is not done here.
 */
import type { KObject } from "./meta.js";
import type { ResourceInfo } from "./resources.js";
import { defaultPod, defaultPodSpec } from "./defaults-pod.js";
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "./types/apps.js";
import type { CronJob, Job } from "./types/batch.js";
import type {
  Endpoints, Namespace, PersistentVolume, PersistentVolumeClaim, Pod, PodTemplateSpec, ReplicationController, Secret, Service,
} from "./types/core.js";
import type { EndpointSlice } from "./types/discovery.js";

export { configurePodDefaults, defaultPod, defaultPodSpec, defaultPullPolicy, computeQOSClass } from "./defaults-pod.js";
export { jobSelectorDefaults, prepareServiceUpdate, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from "./defaults-apiserver.js";

const isObj = <T,>(x: T): x is NonNullable<T> & object => typeof x === "object" && x !== null && !Array.isArray(x);

function defaultTemplate(t: PodTemplateSpec | undefined): void {
  if (isObj(t)) defaultPodSpec(t.spec);
}

function defaultDeployment(d: Deployment): void {
  const s = d.spec;
  if (!isObj(s)) return;
  s.replicas ??= 1;
  s.strategy ??= {};
  s.strategy.type ??= "RollingUpdate";
  if (s.strategy.type === "RollingUpdate") {
    s.strategy.rollingUpdate ??= {};
    s.strategy.rollingUpdate.maxUnavailable ??= "25%";
    s.strategy.rollingUpdate.maxSurge ??= "25%";
  }
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  defaultTemplate(s.template);
}

function defaultReplicationController(rc: ReplicationController): void {
  const s = rc.spec;
  if (!isObj(s)) return;
  s.replicas ??= 1;
  // An RC without a selector (or labels) takes its pod template's labels.
  const tl = s.template?.metadata?.labels;
  if (tl && Object.keys(tl).length > 0) {
    if (!s.selector || Object.keys(s.selector).length === 0) s.selector = { ...tl };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...tl };
  }
  defaultTemplate(s.template);
}

function defaultStatefulSet(ss: StatefulSet): void {
  const s = ss.spec;
  if (!isObj(s)) return;
  s.replicas ??= 1;
  s.podManagementPolicy ??= "OrderedReady";
  s.updateStrategy ??= {};
  s.updateStrategy.type ??= "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    s.updateStrategy.rollingUpdate.partition ??= 0;
  }
  s.revisionHistoryLimit ??= 10;
  s.persistentVolumeClaimRetentionPolicy ??= {};
  s.persistentVolumeClaimRetentionPolicy.whenDeleted ??= "Retain";
  s.persistentVolumeClaimRetentionPolicy.whenScaled ??= "Retain";
  for (const pvc of Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : []) if (isObj(pvc?.spec)) pvc.spec.volumeMode ??= "Filesystem";
  defaultTemplate(s.template);
}

function defaultDaemonSet(ds: DaemonSet): void {
  const s = ds.spec;
  if (!isObj(s)) return;
  s.updateStrategy ??= {};
  s.updateStrategy.type ??= "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    s.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  s.revisionHistoryLimit ??= 10;
  defaultTemplate(s.template);
}

function defaultJob(job: Job): void {
  const s = job.spec;
  if (!isObj(s)) return;
  // Both unset: one pod, once. Only parallelism set: a work queue, completions stay unset.
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= "NonIndexed";
  s.suspend ??= false;
  s.podReplacementPolicy ??= "TerminatingOrFailed";
  defaultTemplate(s.template);
}

function defaultCronJob(cj: CronJob): void {
  const s = cj.spec;
  if (!isObj(s)) return;
  s.concurrencyPolicy ??= "Allow";
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  if (isObj(s.jobTemplate)) defaultTemplate(s.jobTemplate.spec?.template);
}

function defaultService(svc: Service): void {
  const s = (svc.spec ??= {});
  if (!isObj(s)) return;
  s.type ??= "ClusterIP";
  s.sessionAffinity ??= "None";
  for (const p of Array.isArray(s.ports) ? s.ports : []) {
    p.protocol ||= "TCP";
    // A zero or empty targetPort (Go's zero value, as protobuf bodies carry it) means "same as port".
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if (s.type !== "ExternalName") {
    s.ipFamilies ??= ["IPv4"];
    s.ipFamilyPolicy ??= "SingleStack";
    s.internalTrafficPolicy ??= "Cluster";
  }
  if (s.type === "NodePort" || s.type === "LoadBalancer") s.externalTrafficPolicy ??= "Cluster";
  if (s.type === "LoadBalancer") s.allocateLoadBalancerNodePorts ??= true;
  if (s.sessionAffinity === "ClientIP") {
    s.sessionAffinityConfig ??= {};
    s.sessionAffinityConfig.clientIP ??= {};
    s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  svc.status ??= { loadBalancer: {} };
}

function defaultNamespace(ns: Namespace): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= ["kubernetes"];
  ns.status ??= {};
  ns.status.phase ??= "Active";
  // The apiserver always labels a namespace with its own name (since Kubernetes 1.21).
  if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, "kubernetes.io/metadata.name": ns.metadata.name };
}

const defaulters: Record<string, (obj: never) => void> = {
  "/Pod": defaultPod,
  "/Service": defaultService,
  "/ReplicationController": defaultReplicationController,
  "/Namespace": defaultNamespace,
  "/Secret": (s: Secret) => { s.type ??= "Opaque"; },
  "/PersistentVolumeClaim": (pvc: PersistentVolumeClaim) => {
    if (isObj(pvc.spec)) pvc.spec.volumeMode ??= "Filesystem";
    pvc.status ??= {};
    pvc.status.phase ??= "Pending";
  },
  "/PersistentVolume": (pv: PersistentVolume) => {
    if (isObj(pv.spec)) {
      pv.spec.persistentVolumeReclaimPolicy ??= "Retain";
      pv.spec.volumeMode ??= "Filesystem";
    }
    pv.status ??= {};
    pv.status.phase ??= "Pending";
  },
  "/Endpoints": (ep: Endpoints) => {
    for (const ss of Array.isArray(ep.subsets) ? ep.subsets : []) for (const p of ss.ports ?? []) p.protocol ??= "TCP";
  },
  "discovery.k8s.io/EndpointSlice": (es: EndpointSlice) => {
    for (const p of Array.isArray(es.ports) ? es.ports : []) p.protocol ??= "TCP";
  },
  "apps/Deployment": defaultDeployment,
  "apps/ReplicaSet": (rs: ReplicaSet) => {
    if (!isObj(rs.spec)) return;
    rs.spec.replicas ??= 1;
    defaultTemplate(rs.spec.template);
  },
  "apps/StatefulSet": defaultStatefulSet,
  "apps/DaemonSet": defaultDaemonSet,
  "batch/Job": defaultJob,
  "batch/CronJob": defaultCronJob,
};

/**
 * Fills in Kubernetes' defaults in place. Kinds without defaults are left untouched;
 * malformed parts (wrong types) are skipped for validation to report.
 * @example applyDefaults(deployment, findKind("apps/v1", "Deployment")!)
 */
export function applyDefaults(obj: KObject, ri: Pick<ResourceInfo, "group" | "kind">): void {
  if (!isObj(obj)) return;
  obj.metadata ??= {};
  const fn = defaulters[`${ri.group}/${ri.kind}`];
  if (fn) (fn as (o: KObject) => void)(obj);
}
