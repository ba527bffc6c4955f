/**
 * Docker container names of sandboxes and containers, built and parsed only here. The
 * layout is cri-dockerd's (k8s_<container>_<pod>_<namespace>_<uid>_<attempt>, container
 * "POD" for the sandbox), so `docker ps` reads the same as on a dockershim node. Kubernetes
 * names and UIDs never contain "_", which makes the name unambiguous to parse; a claimed
 * pool sandbox carries its pod's identity in this name alone (labels cannot change).
 */
import type { ContainerMetadata, PodSandboxMetadata } from "@kates/cri-api";

const PREFIX = "k8s";
/** The container name cri-dockerd and kates give to a pod's sandbox. */
export const SANDBOX_CONTAINER_NAME = "POD";
/** Prefix of unassigned, pre-started sandboxes. */
export const POOL_PREFIX = "kates_pool_";

export function sandboxName(m: PodSandboxMetadata): string {
  return [PREFIX, SANDBOX_CONTAINER_NAME, m.name, m.namespace, m.uid, String(m.attempt ?? 0)].join("_");
}

export function containerName(c: ContainerMetadata, pod: PodSandboxMetadata): string {
  return [PREFIX, c.name, pod.name, pod.namespace, pod.uid, String(c.attempt ?? 0)].join("_");
}

export interface ParsedName {
  container: string;
  pod: PodSandboxMetadata;
  /** The container's attempt (for a sandbox, the sandbox's). */
  attempt: number;
}

/** Parses a name made by sandboxName or containerName; undefined for any other name. */
export function parseName(raw: string): ParsedName | undefined {
  const name = raw.startsWith("/") ? raw.slice(1) : raw;
  const parts = name.split("_");
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [, container, pod, namespace, uid, attemptText] = parts;
  if (!/^\d+$/.test(attemptText) || !container || !pod || !namespace || !uid) return undefined;
  const attempt = Number(attemptText);
  return {
    container,
    pod: { name: pod, namespace, uid, attempt: container === SANDBOX_CONTAINER_NAME ? attempt : 0 },
    attempt,
  };
}

/** A fresh pool container name. */
export function poolName(suffix: string): string {
  return `${POOL_PREFIX}${suffix}`;
}

export function isPoolName(raw: string): boolean {
  return (raw.startsWith("/") ? raw.slice(1) : raw).startsWith(POOL_PREFIX);
}
