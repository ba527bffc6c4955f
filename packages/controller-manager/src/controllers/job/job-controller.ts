/**
 * JobController reconciles batch/v1 Jobs (NonIndexed completion mode).
 *
 * Primary: Job. Secondary: Pods it controls (controller ownerReference), named `<job>-<random5>`
 * by generateName. Triggers: Job changes, changes of its pods, and timers it sets itself
 * (pod failure back-off, activeDeadlineSeconds, ttlSecondsAfterFinished).
 *
 * Counting: succeeded and failed come from the pods themselves (failed pods of a
 * restartPolicy Never Job are kept, as in Kubernetes) and never go down, so a pod removed by
 * someone else cannot un-count a result. Kubernetes tracks this with pod finalizers and
 * uncountedTerminatedPods; kates does not need that precision for its labs.
 */
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, type Job, type Pod } from "@kates/api";
import { realClock, splitKey, WorkQueue, type Clock, type Lister, type Logger } from "@kates/client";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import {
  backoffDelay, backoffFromEnv, countPods, DEFAULT_BACKOFF, finishedCondition, isComplete, setCondition, wantedActive,
} from "./job-utils.js";
import { CountingExpectations } from "../shared/expectations.js";
import {
  isControlledBy, isPodReady, newControllerRef, R, rfc3339, sameJson, watchOwnedPods,
  restObjectClient, runQueue, type ObjectClient, type Recorder,
} from "./workload-utils.js";

export interface JobControllerDeps {
  jobs: Lister<Job>;
  pods: Lister<Pod>;
  client: ObjectClient;
  recorder: Recorder;
  log: Logger;
  clock?: Clock;
  /** Pod failure back-off (Kubernetes: 10s doubling, capped at 6m). */
  backoff?: { baseMs: number; maxMs: number };
}

/** Most pods created in one sync; the rest follow on the next (Kubernetes batches too). */
const MAX_BURST = 500;

export class JobController {
  readonly queue: WorkQueue<string>;
  readonly expectations: CountingExpectations;
  private readonly clock: Clock;
  private readonly backoff: { baseMs: number; maxMs: number };

  constructor(private readonly d: JobControllerDeps) {
    this.clock = d.clock ?? realClock;
    this.queue = new WorkQueue<string>({ clock: this.clock });
    this.expectations = new CountingExpectations(() => this.clock.now());
    this.backoff = d.backoff ?? DEFAULT_BACKOFF;
  }

  enqueue(job: Job): void {
    this.queue.add(`${job.metadata.namespace}/${job.metadata.name}`);
  }

  /** Reconciles one Job; throws to be retried. */
  async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.d.jobs.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const job = structuredClone(cached);
    const now = this.clock.now();
    if (finishedCondition(job)) return this.syncFinished(key, job, now);

    const pods = this.d.pods.list(namespace, (p) => isControlledBy(p, job.metadata.uid));
    const counts = countPods(pods);
    const before = structuredClone(job.status ?? {});
    const status = (job.status ??= {});
    const succeeded = Math.max(status.succeeded ?? 0, counts.succeeded);
    const failed = Math.max(status.failed ?? 0, counts.failed);
    const nowS = rfc3339(now);
    let active = counts.active.length;

    const deadline = job.spec?.activeDeadlineSeconds;
    const startedAt = status.startTime ? Date.parse(status.startTime) : undefined;
    let failure: { reason: string; message: string } | undefined;
    if (failed > (job.spec?.backoffLimit ?? 6)) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    else if (deadline !== undefined && startedAt !== undefined && !job.spec?.suspend && now - startedAt >= deadline * 1000) {
      failure = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
    }

    if (failure) {
      active -= await this.deletePods(key, job, counts.active);
      setCondition(job, { type: "Failed", status: "True", ...failure }, nowS);
      this.d.recorder.event(job, "Warning", failure.reason, failure.message);
    } else if (isComplete(job, succeeded, active)) {
      active -= await this.deletePods(key, job, counts.active);
      setCondition(job, { type: "Complete", status: "True" }, nowS);
      status.completionTime = nowS;
      this.d.recorder.event(job, "Normal", "Completed", "Job completed");
    } else if (job.spec?.suspend) {
      active -= await this.deletePods(key, job, counts.active);
      if (setCondition(job, { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" }, nowS)) {
        this.d.recorder.event(job, "Normal", "Suspended", "Job suspended");
      }
      // The deadline counts running time only: resuming starts the clock again.
      delete status.startTime;
    } else {
      const susp = job.status.conditions?.find((c) => c.type === "Suspended");
      if (susp?.status === "True") {
        setCondition(job, { type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed" }, nowS);
        this.d.recorder.event(job, "Normal", "Resumed", "Job resumed");
      }
      status.startTime ??= nowS;
      if (this.expectations.satisfied(key)) active += await this.managePods(key, job, counts, succeeded, now);
      if (deadline !== undefined) {
        const left = Date.parse(status.startTime) + deadline * 1000 - now;
        this.queue.addAfter(key, Math.max(0, left) + 10);
      }
    }

    status.active = active;
    status.ready = failure ? 0 : counts.ready;
    status.succeeded = succeeded;
    status.failed = failed;
    if (!sameJson(before, status)) await this.d.client.updateStatus(R.jobs, job);
  }

  /** Creates or deletes pods toward the wanted active count; returns the change in active pods. */
  private async managePods(key: string, job: Job, counts: ReturnType<typeof countPods>, succeeded: number, now: number): Promise<number> {
    const diff = wantedActive(job, succeeded, counts.active.length) - counts.active.length;
    if (diff < 0) {
      // Not-ready pods first, then the newest: they have done the least work.
      const victims = [...counts.active].sort((a, b) =>
        Number(isPodReady(a)) - Number(isPodReady(b)) || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""));
      return -(await this.deletePods(key, job, victims.slice(0, -diff)));
    }
    if (diff === 0) return 0;
    const wait = counts.lastFailureAt === undefined ? 0 : counts.lastFailureAt + backoffDelay(counts.failed, this.backoff) - now;
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return 0;
    }
    const n = Math.min(diff, MAX_BURST);
    this.expectations.expect(key, n, 0);
    const results = await Promise.allSettled(Array.from({ length: n }, () => this.createPod(job)));
    let created = 0;
    for (const r of results) {
      if (r.status === "fulfilled") {
        created++;
        this.d.recorder.event(job, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      } else this.expectations.creationObserved(key);
    }
    const err = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (err) {
      this.d.recorder.event(job, "Warning", "FailedCreate", `Error creating: ${(err.reason as Error)?.message ?? err.reason}`);
      throw new Error(`create pods for job ${key}`, { cause: err.reason });
    }
    return created;
  }

  private createPod(job: Job): Promise<Pod> {
    const tpl = job.spec?.template ?? {};
    const labels = { ...tpl.metadata?.labels };
    if (!job.spec?.manualSelector) Object.assign(labels, { [JOB_CONTROLLER_UID_LABEL]: job.metadata.uid!, [JOB_NAME_LABEL]: job.metadata.name! });
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace,
        labels,
        annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
        ownerReferences: [newControllerRef(job, "batch/v1", "Job")],
      },
      spec: structuredClone(tpl.spec ?? { containers: [] }),
    };
    return this.d.client.create(R.pods, job.metadata.namespace, pod);
  }

  /** Deletes pods (tolerating ones already gone); returns how many it deleted. */
  private async deletePods(key: string, job: Job, pods: Pod[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expect(key, 0, pods.length);
    let deleted = 0;
    for (const p of pods) {
      try {
        await this.d.client.delete(R.pods, p.metadata.namespace, p.metadata.name!);
        deleted++;
        this.d.recorder.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.deletionObserved(key);
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
    return deleted;
  }

  /** A finished Job only waits for its ttlSecondsAfterFinished, then goes (its pods follow by GC). */
  private async syncFinished(key: string, job: Job, now: number): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null) return;
    const done = finishedCondition(job);
    const finishedAt = Date.parse(job.status?.completionTime ?? done?.lastTransitionTime ?? "");
    if (!Number.isFinite(finishedAt)) return;
    const due = finishedAt + ttl * 1000;
    if (now < due) {
      this.queue.addAfter(key, due - now);
      return;
    }
    this.d.log.info({ job: key }, "deleting finished job after ttlSecondsAfterFinished");
    await this.d.client.delete(R.jobs, job.metadata.namespace, job.metadata.name!, {
      propagationPolicy: "Background",
      preconditions: { uid: job.metadata.uid },
    }).catch((err) => {
      if ((err as { code?: number }).code !== 404) throw err;
    });
  }
}

/** The "job" entry of the controller table; back-off comes from KATES_JOB_BACKOFF_{BASE,MAX}_MS. */
export const jobDescriptor: ControllerDescriptor = {
  name: "job",
  create(ctx: ControllerContext) {
    const jobs = ctx.informers.informerFor<Job>(R.jobs);
    const pods = ctx.informers.informerFor<Pod>(R.pods);
    const c = new JobController({
      jobs: jobs.lister,
      pods: pods.lister,
      client: restObjectClient(ctx.rest),
      recorder: ctx.recorder("job-controller"),
      log: ctx.log,
      backoff: backoffFromEnv(),
    });
    jobs.on("add", (j) => c.enqueue(j));
    jobs.on("update", (_o, j) => c.enqueue(j));
    jobs.on("delete", (j) => c.enqueue(j));
    watchOwnedPods(pods, "Job", c.expectations, (key) => c.queue.add(key));
    return { run: (signal) => runQueue(c.queue, [jobs, pods], ctx.options.workers, (k) => c.syncJob(k), signal, ctx.log) };
  },
};
