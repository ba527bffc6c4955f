/** The status a hollow node reports for a bound pod: everything Running and Ready, no containers behind it. */
import { createHash } from "node:crypto";
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from "@kates/api";

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function fakeId(uid: string, name: string): string {
  return createHash("sha256").update(`${uid}/${name}`).digest("hex");
}

function running(pod: Pod, c: Container, started: string): ContainerStatus {
  return {
    name: c.name,
    state: { running: { startedAt: started } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: c.image ?? "",
    imageID: `hollow://${c.image ?? ""}`,
    containerID: `hollow://${fakeId(pod.metadata.uid ?? "", c.name)}`,
    started: true,
  };
}

function completed(pod: Pod, c: Container, started: string): ContainerStatus {
  return {
    name: c.name,
    state: { terminated: { exitCode: 0, reason: "Completed", startedAt: started, finishedAt: started, containerID: `hollow://${fakeId(pod.metadata.uid ?? "", c.name)}` } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: c.image ?? "",
    imageID: `hollow://${c.image ?? ""}`,
    containerID: `hollow://${fakeId(pod.metadata.uid ?? "", c.name)}`,
    started: false,
  };
}

/** The Running status of `pod` on a hollow node with address `hostIP`, giving it `podIP`. */
export function hollowPodStatus(pod: Pod, podIP: string, hostIP: string, now = new Date()): PodStatus {
  const t = rfc3339(now);
  const old = pod.status ?? {};
  const started = old.startTime ?? t;
  const keep = (type: string): string => old.conditions?.find((c) => c.type === type && c.status === "True")?.lastTransitionTime ?? t;
  const cond = (type: string): PodCondition => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: keep(type) });
  const status: PodStatus = {
    ...old,
    phase: "Running",
    conditions: [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: started,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => running(pod, c, started)),
  };
  if (pod.spec?.initContainers?.length) status.initContainerStatuses = pod.spec.initContainers.map((c) => completed(pod, c, started));
  return status;
}

/** True unless the pod already shows the hollow Running status (so our own writes are not repeated). */
export function needsHollowStatus(pod: Pod): boolean {
  const s = pod.status;
  if (!s || s.phase !== "Running" || !s.podIP || !s.hostIP) return true;
  if (s.conditions?.find((c) => c.type === "Ready")?.status !== "True") return true;
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return names.length !== (s.containerStatuses?.length ?? 0) || !names.every((n) => s.containerStatuses!.some((cs) => cs.name === n && cs.ready));
}
