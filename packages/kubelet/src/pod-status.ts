/**
 * Pod status as the kubelet computes it from the runtime's view, in Kubernetes' shape:
 * phase (getPhase's rules), conditions, container statuses with state/lastState,
 * restartCount, ready and started, podIP, hostIP and startTime.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from "@kates/api";
import { instancesOf, type PodRuntimeState, type RuntimeContainer } from "./runtime-state.js";

/** What the kubelet knows beyond the runtime: why a container waits, and probe results. */
export interface StatusHints {
  /** A waiting reason per container name (ErrImagePull, CrashLoopBackOff, ...). */
  waiting: Map<string, { reason: string; message?: string }>;
  /** Readiness per container name; a container without a readiness probe is absent (ready when running). */
  readiness: Map<string, boolean>;
  /** Startup probe passed per container name; absent: no startup probe. */
  started: Map<string, boolean>;
}

const rfc3339 = (t: number | Date) => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Prefix of containerID in status, as kubectl and tools expect. */
export const CONTAINER_ID_PREFIX = "docker://";

function terminatedState(c: RuntimeContainer): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? "Completed" : "Error"),
      ...(c.message && { message: c.message }),
      startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
      containerID: CONTAINER_ID_PREFIX + c.id,
    },
  };
}

function containerStatus(spec: Container, rt: PodRuntimeState, hints: StatusHints, init: boolean): ContainerStatus {
  const { latest, previous } = instancesOf(rt, spec.name);
  const waiting = hints.waiting.get(spec.name);
  const status: ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: latest?.attempt ?? 0,
    image: spec.image ?? "",
    imageID: latest?.imageRef ?? "",
    started: false,
  };
  if (latest) status.containerID = CONTAINER_ID_PREFIX + latest.id;
  if (latest?.state === "CONTAINER_RUNNING") {
    status.state = { running: { startedAt: rfc3339(latest.startedAt || latest.createdAt) } };
    status.started = hints.started.get(spec.name) ?? true;
    status.ready = !init && status.started && (hints.readiness.get(spec.name) ?? true);
    if (previous && previous.state === "CONTAINER_EXITED") status.lastState = terminatedState(previous);
  } else if (latest?.state === "CONTAINER_EXITED" && !waiting) {
    status.state = terminatedState(latest);
    if (previous && previous.state === "CONTAINER_EXITED") status.lastState = terminatedState(previous);
    // A completed init container counts as ready, as in Kubernetes.
    status.ready = init && latest.exitCode === 0;
  } else {
    status.state = { waiting: { reason: waiting?.reason ?? "ContainerCreating", ...(waiting?.message && { message: waiting.message }) } };
    if (latest?.state === "CONTAINER_EXITED") status.lastState = terminatedState(latest);
  }
  return status;
}

/** Kubernetes' getPhase over init and app container statuses. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[]): PodPhase {
  const policy = pod.spec?.restartPolicy ?? "Always";
  let pendingInit = 0;
  for (const s of init) {
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t && policy === "Never") return "Failed";
    if (!t && s.lastState?.terminated && policy === "Never") return "Failed";
    pendingInit++;
  }
  if (pendingInit > 0) return "Pending";
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function condition(old: PodStatus | undefined, type: string, ok: boolean, reason: string, message: string, now: number): PodCondition {
  const status = ok ? "True" : "False";
  const prior = old?.conditions?.find((c) => c.type === type);
  const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: prior && prior.status === status ? prior.lastTransitionTime ?? rfc3339(now) : rfc3339(now) };
  if (!ok && reason) Object.assign(c, { reason, message });
  return c;
}

/** The complete status to report for `pod`, given the runtime's state and the kubelet's hints. */
export function computePodStatus(pod: Pod, rt: PodRuntimeState, hints: StatusHints, hostIP: string, now = Date.now()): PodStatus {
  const old = pod.status;
  const initStatuses = (pod.spec?.initContainers ?? []).map((c) => containerStatus(c, rt, hints, true));
  const appStatuses = (pod.spec?.containers ?? []).map((c) => containerStatus(c, rt, hints, false));
  const phase = podPhase(pod, initStatuses, appStatuses);
  const sandbox = rt.sandboxes.find((s) => s.ready);
  const podIP = pod.spec?.hostNetwork ? hostIP : sandbox?.ip || old?.podIP;
  const initialized = initStatuses.every((s) => s.state?.terminated?.exitCode === 0) || phase === "Succeeded";
  const notReady = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const pendingInit = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const containersReady = notReady.length === 0 && !terminal;
  const notReadyMsg = `containers with unready status: [${notReady.join(" ")}]`;
  const conditions = [
    condition(old, "PodReadyToStartContainers", !!sandbox, "", "", now),
    condition(old, "Initialized", initialized, "ContainersNotInitialized", `containers with incomplete status: [${pendingInit.join(" ")}]`, now),
    condition(old, "Ready", containersReady, terminal ? "PodCompleted" : "ContainersNotReady", terminal ? "" : notReadyMsg, now),
    condition(old, "ContainersReady", containersReady, terminal ? "PodCompleted" : "ContainersNotReady", terminal ? "" : notReadyMsg, now),
    condition(old, "PodScheduled", true, "", "", now),
  ];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: old?.startTime ?? rfc3339(now),
    containerStatuses: appStatuses,
    qosClass: old?.qosClass,
  };
  if (podIP) Object.assign(status, { podIP, podIPs: [{ ip: podIP }] });
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  if (status.qosClass === undefined) delete status.qosClass;
  return status;
}

/** True when two statuses differ in anything but field order. */
export function statusChanged(a: PodStatus | undefined, b: PodStatus): boolean {
  return JSON.stringify(canonical(a ?? {})) !== JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]));
  }
  return v;
}
