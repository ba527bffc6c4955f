/** Pure pieces of the Job controller: counting pods, conditions, back-off and deadlines. */
import type { Job, JobCondition, Pod } from "@kates/api";
import { isPodActive, isPodReady } from "./workload-utils.js";

/** Kubernetes' pod failure back-off: 10s doubling per failure, capped at 6 minutes. */
export const DEFAULT_BACKOFF = { baseMs: 10_000, maxMs: 6 * 60_000 };

/** Back-off settings from KATES_JOB_BACKOFF_BASE_MS / KATES_JOB_BACKOFF_MAX_MS (lab and test tuning). */
export function backoffFromEnv(env: NodeJS.ProcessEnv = process.env): { baseMs: number; maxMs: number } {
  const num = (v: string | undefined, d: number) => (v !== undefined && v !== "" && Number.isFinite(Number(v)) ? Number(v) : d);
  return { baseMs: num(env.KATES_JOB_BACKOFF_BASE_MS, DEFAULT_BACKOFF.baseMs), maxMs: num(env.KATES_JOB_BACKOFF_MAX_MS, DEFAULT_BACKOFF.maxMs) };
}

/** The wait before the next pod after `failures` failures (none before the first failure). */
export function backoffDelay(failures: number, b: { baseMs: number; maxMs: number }): number {
  if (failures <= 0) return 0;
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.min(failures - 1, 30));
}

export interface PodCounts {
  active: Pod[];
  ready: number;
  succeeded: number;
  failed: number;
  /** When the most recent failure happened (ms), for back-off. */
  lastFailureAt?: number;
}

/** When a finished pod finished: its latest container termination, else its Ready transition, else creation. */
export function podFinishedAt(p: Pod): number | undefined {
  const times = (p.status?.containerStatuses ?? []).map((c) => c.state?.terminated?.finishedAt).filter((t): t is string => !!t).map(Date.parse);
  if (times.length) return Math.max(...times);
  const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  const t = ready ?? p.metadata.creationTimestamp;
  return t ? Date.parse(t) : undefined;
}

/**
 * Counts a Job's pods. Container restarts of OnFailure pods count as failures too, as in
 * Kubernetes, so backoffLimit bounds retries whichever restart policy the template has.
 */
export function countPods(pods: Pod[]): PodCounts {
  const out: PodCounts = { active: [], ready: 0, succeeded: 0, failed: 0 };
  for (const p of pods) {
    if (p.status?.phase === "Succeeded") out.succeeded++;
    else if (p.status?.phase === "Failed") {
      out.failed++;
      const at = podFinishedAt(p);
      if (at !== undefined && (out.lastFailureAt === undefined || at > out.lastFailureAt)) out.lastFailureAt = at;
    } else if (isPodActive(p)) {
      out.active.push(p);
      if (isPodReady(p)) out.ready++;
      if (p.spec?.restartPolicy === "OnFailure") out.failed += (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
    }
  }
  return out;
}

export const findCondition = (job: Job, type: string): JobCondition | undefined => job.status?.conditions?.find((c) => c.type === type);

/** Complete=True or Failed=True. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/** Sets a condition, keeping lastTransitionTime when the status does not change; true if anything changed. */
export function setCondition(job: Job, cond: Omit<JobCondition, "lastProbeTime" | "lastTransitionTime">, now: string): boolean {
  job.status ??= {};
  const list = (job.status.conditions ??= []);
  const old = list.find((c) => c.type === cond.type);
  if (old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message) return false;
  const next: JobCondition = { ...cond, lastProbeTime: now, lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : now };
  if (old) list[list.indexOf(old)] = next;
  else list.push(next);
  return true;
}

/** How many pods should be running now (NonIndexed completion mode). */
export function wantedActive(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  // A work queue with a success is draining: let running pods finish, start no new ones.
  if (completions === undefined || completions === null) return succeeded > 0 ? Math.min(parallelism, active) : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** Complete when completions pods succeeded or, without completions, once one succeeded and none is left running. */
export function isComplete(job: Job, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions;
}
