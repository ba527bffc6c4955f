/**
 * Defaulting of PodSpecs (in Pods and in every workload's pod template) and of the
 * Pod-only fields that Kubernetes' admission chain fills in (service account, priority,
 * default tolerations, status.phase, qosClass).
 */
import type { Container, Pod, PodQOSClass, PodSpec, Probe, Volume } from "./types/pod.js";
import { parseQuantity } from "./validation/quantity.js";

/** Always for `:latest` or untagged images, IfNotPresent for other tags and digests. */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  if (!image) return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  if (colon < 0) return "Always";
  return last.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Probe | undefined): void {
  if (!p || typeof p !== "object") return;
  // These are plain ints in Go, so 0 (as protobuf bodies carry it) also means "unset".
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) {
    p.httpGet.path ??= "/";
    p.httpGet.scheme ??= "HTTP";
  }
}

function defaultContainer(c: Container): void {
  if (!c || typeof c !== "object") return;
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports : []) p.protocol ||= "TCP";
  for (const e of Array.isArray(c.env) ? c.env : []) if (e?.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= "v1";
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: Volume): void {
  if (!v || typeof v !== "object") return;
  // A volume without a source is an emptyDir, as in Kubernetes.
  const sources = Object.keys(v).filter((k) => k !== "name");
  if (sources.length === 0) v.emptyDir = {};
  if (v.configMap) v.configMap.defaultMode ??= 0o644;
  if (v.secret) v.secret.defaultMode ??= 0o644;
  if (v.hostPath) v.hostPath.type ??= "";
}

/** Defaults shared by Pods and pod templates (SetDefaults_PodSpec and its children). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec || typeof spec !== "object") return;
  spec.restartPolicy ??= "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) defaultVolume(v);
}

/** The QoS class of a pod: Guaranteed when every container's cpu and memory requests equal its limits. */
export function computeQOSClass(spec: PodSpec): PodQOSClass {
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      const rq = parseQuantity(req[r] ?? lim[r]);
      const lm = parseQuantity(lim[r]);
      if ((rq !== undefined && rq !== 0) || (lm !== undefined && lm !== 0)) anySet = true;
      if (lm === undefined || rq !== lm) guaranteed = false;
    }
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * Seconds a pod rides out a not-ready or unreachable node before eviction (the
 * DefaultTolerationSeconds admission plugin). Kubernetes uses 300; kates' apiserver sets
 * lab-tuned values from its flags (see configurePodDefaults) so a dead node's pods are
 * replaced within seconds.
 */
const tolerationSeconds = { notReady: 300, unreachable: 300 };

/** Sets the default toleration seconds (apiserver flags --default-*-toleration-seconds). */
export function configurePodDefaults(opts: { notReadyTolerationSeconds?: number; unreachableTolerationSeconds?: number }): void {
  if (opts.notReadyTolerationSeconds !== undefined) tolerationSeconds.notReady = opts.notReadyTolerationSeconds;
  if (opts.unreachableTolerationSeconds !== undefined) tolerationSeconds.unreachable = opts.unreachableTolerationSeconds;
}

/** Pod defaults: the PodSpec ones plus what admission plugins add to real Pods (not templates). */
export function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  if (spec && typeof spec === "object") {
    // Requests default to limits, per resource, before the spec defaults (SetDefaults_Pod).
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const lim = c?.resources?.limits;
      if (!lim) continue;
      c.resources!.requests ??= {};
      for (const [k, v] of Object.entries(lim)) c.resources!.requests[k] ??= v;
    }
    defaultPodSpec(spec);
    spec.enableServiceLinks ??= true;
    spec.priority ??= 0;
    spec.serviceAccountName ??= spec.serviceAccount ?? "default";
    spec.serviceAccount ??= spec.serviceAccountName;
    // DefaultTolerationSeconds admission: ride out short node outages before eviction.
    spec.tolerations ??= [];
    for (const [key, seconds] of [["node.kubernetes.io/not-ready", tolerationSeconds.notReady], ["node.kubernetes.io/unreachable", tolerationSeconds.unreachable]] as const) {
      if (!spec.tolerations.some((t) => t.key === key || (t.operator === "Exists" && !t.key))) {
        spec.tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
      }
    }
  }
  pod.status ??= {};
  pod.status.phase ??= "Pending";
  if (spec && Array.isArray(spec.containers)) pod.status.qosClass ??= computeQOSClass(spec);
}
