/**
 * Defaults that depend on server state rather than on the object alone: a Job's
 * generated selector (needs the uid) and the Service fields an update may omit but must
 * keep (allocated clusterIP and nodePorts) or must drop (fields of the old type).
 * The apiserver calls these before validation, as Kubernetes' registry strategies do.
 */
import type { Job } from "./types/batch.js";
import type { Service, ServiceSpec } from "./types/core.js";

/** The label the generated Job selector uses. */
export const JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
/** The label carrying the Job name on its pods. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * On Job create (after the uid is assigned): unless spec.manualSelector is true, labels the
 * pod template with the job's uid and name and, when no selector was given, selects on the uid.
 */
export function jobSelectorDefaults(job: Job, uid: string): void {
  const s = job.spec;
  if (!s || typeof s !== "object" || s.manualSelector === true) return;
  const name = job.metadata.name ?? "";
  s.template ??= {};
  s.template.metadata ??= {};
  s.template.metadata.labels = {
    ...s.template.metadata.labels,
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    // The legacy unprefixed labels are still written for older consumers.
    "controller-uid": uid,
    "job-name": name,
  };
  s.selector ??= { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
}

const needsClusterIP = (s: ServiceSpec): boolean => s.type !== "ExternalName";
const needsNodePort = (s: ServiceSpec): boolean => s.type === "NodePort" || s.type === "LoadBalancer";
const needsHealthCheck = (s: ServiceSpec): boolean => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";

/**
 * On Service update: keeps the allocated clusterIP(s), nodePorts and healthCheckNodePort
 * when the new object omits them (`kubectl replace`, a PUT without them), and drops
 * fields that only the old type uses (nodePorts, externalTrafficPolicy, clusterIPs when
 * turning into an ExternalName). Call after defaulting and before validation.
 */
export function prepareServiceUpdate(svc: Service, old: Service): void {
  const s = svc.spec;
  const o = old.spec;
  if (!s || !o || typeof s !== "object") return;
  if (needsClusterIP(o) && needsClusterIP(s)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if ((!s.clusterIPs || s.clusterIPs.length === 0) && o.clusterIPs && s.clusterIP === o.clusterIP) s.clusterIPs = [...o.clusterIPs];
  }
  if (needsNodePort(o) && needsNodePort(s)) {
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
  }
  if (needsHealthCheck(o) && needsHealthCheck(s) && !s.healthCheckNodePort) s.healthCheckNodePort = o.healthCheckNodePort;
  // No longer a LoadBalancer with externalTrafficPolicy Local: the port is released, unless the user
  // just set a different one (which validation then rejects), as Kubernetes' dropTypeDependentFields does.
  if (needsHealthCheck(o) && !needsHealthCheck(s) && s.healthCheckNodePort === o.healthCheckNodePort) delete s.healthCheckNodePort;
  if (!needsNodePort(s)) {
    // Only drop nodePorts the user did not ask for: those left over from the old object.
    for (const p of s.ports ?? []) {
      const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (p.nodePort && prev?.nodePort === p.nodePort) delete p.nodePort;
    }
    delete s.externalTrafficPolicy;
    delete s.healthCheckNodePort;
  }
  if (s.type !== "LoadBalancer") delete s.allocateLoadBalancerNodePorts;
  if (!needsClusterIP(s)) {
    for (const f of ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"] as const) delete s[f];
  }
}
