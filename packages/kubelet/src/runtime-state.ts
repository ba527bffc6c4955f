/** What the runtime says about one pod, grouped for the kubelet: its sandbox and every container instance. */
import type { Container as CRIContainer, ContainerState, ContainerStatus as CRIContainerStatus, PodSandbox } from "@kates/cri-api";
import { ANNOTATION_IMAGE, LABEL_CONTAINER_NAME, LABEL_POD_UID } from "./labels.js";

/** One container instance (one attempt) of a pod. */
export interface RuntimeContainer {
  id: string;
  name: string;
  attempt: number;
  state: ContainerState;
  createdAt: number;
  /** ms since the epoch; 0 when unknown. */
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  /** The image as the pod spec named it. */
  image: string;
  imageRef: string;
  sandboxId: string;
}

/** A pod's sandboxes (newest first) and container instances (newest attempt first per name). */
export interface PodRuntimeState {
  sandboxes: { id: string; ready: boolean; attempt: number; createdAt: number; ip?: string }[];
  containers: RuntimeContainer[];
}

const ms = (ns: number) => Math.floor((ns || 0) / 1e6);

/** Converts a ContainerStatus from the shim into a RuntimeContainer. */
export function fromContainerStatus(s: CRIContainerStatus): RuntimeContainer {
  return {
    id: s.id,
    name: s.labels?.[LABEL_CONTAINER_NAME] ?? s.metadata?.name ?? "",
    attempt: s.metadata?.attempt ?? 0,
    state: s.state,
    createdAt: ms(s.created_at),
    startedAt: ms(s.started_at),
    finishedAt: ms(s.finished_at),
    exitCode: s.exit_code,
    reason: s.reason,
    message: s.message,
    image: s.annotations?.[ANNOTATION_IMAGE] ?? s.image?.image ?? "",
    imageRef: s.image_ref,
    sandboxId: s.pod_sandbox_id,
  };
}

/** A listed container without its detailed status (times and exit code unknown). */
export function fromContainer(c: CRIContainer): RuntimeContainer {
  return {
    id: c.id,
    name: c.labels?.[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? "",
    attempt: c.metadata?.attempt ?? 0,
    state: c.state,
    createdAt: ms(c.created_at),
    startedAt: 0,
    finishedAt: 0,
    exitCode: 0,
    reason: "",
    message: "",
    image: c.annotations?.[ANNOTATION_IMAGE] ?? c.image?.image ?? "",
    imageRef: c.image_ref,
    sandboxId: c.pod_sandbox_id,
  };
}

/** Sorts sandboxes and containers newest first. */
export function normalize(state: PodRuntimeState): PodRuntimeState {
  state.sandboxes.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  state.containers.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return state;
}

/** Newest and previous instance of a container name. */
export function instancesOf(state: PodRuntimeState, name: string): { latest?: RuntimeContainer; previous?: RuntimeContainer } {
  const all = state.containers.filter((c) => c.name === name);
  return { latest: all[0], previous: all[1] };
}

/** Groups listed sandboxes by pod uid label. */
export function sandboxesByPod(items: PodSandbox[]): Map<string, PodSandbox[]> {
  const out = new Map<string, PodSandbox[]>();
  for (const s of items) {
    const uid = s.labels?.[LABEL_POD_UID] ?? s.metadata?.uid;
    if (!uid) continue;
    (out.get(uid) ?? out.set(uid, []).get(uid)!).push(s);
  }
  return out;
}
