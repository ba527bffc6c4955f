/**
 * CronJobController reconciles batch/v1 CronJobs.
 *
 * Primary: CronJob. Secondary: the Jobs it controls, named `<cronjob>-<scheduled minutes since
 * epoch>` so that a create retried after a crash or a leader change finds the Job already
 * there instead of starting a second one. Triggers: CronJob and Job changes, and a timer per
 * CronJob set to its next scheduled time (no polling).
 *
 * Time comes from an injectable Clock. KATES_CRONJOB_CLOCK_SPEED=N (test-only, used by the
 * integration suite) runs the controller's clock N times faster than real time.
 */
import type { CronJob, Job, ObjectReference } from "@kates/api";
import { isAlreadyExists, isNotFound } from "@kates/api";
import { realClock, splitKey, WorkQueue, type Clock, type Lister, type Logger } from "@kates/client";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import { finishedCondition } from "../job/job-utils.js";
import {
  isControlledBy, newControllerRef, ownerKey, R, restObjectClient, rfc3339, runQueue, sameJson, type ObjectClient, type Recorder,
} from "../job/workload-utils.js";
import { jobNameFor, mostRecentRun, nextRun, parseSchedule } from "./cronjob-utils.js";

export interface CronJobControllerDeps {
  cronjobs: Lister<CronJob>;
  jobs: Lister<Job>;
  client: ObjectClient;
  recorder: Recorder;
  log: Logger;
  clock?: Clock;
}

/** The annotation Kubernetes puts on Jobs with their scheduled time. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";

const jobRef = (j: Job): ObjectReference => ({
  apiVersion: "batch/v1", kind: "Job", name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion,
});

export class CronJobController {
  readonly queue: WorkQueue<string>;
  private readonly clock: Clock;

  constructor(private readonly d: CronJobControllerDeps) {
    this.clock = d.clock ?? realClock;
    this.queue = new WorkQueue<string>({ clock: this.clock });
  }

  enqueue(cj: CronJob): void {
    this.queue.add(`${cj.metadata.namespace}/${cj.metadata.name}`);
  }

  /** Job add/update/delete: wake the owning CronJob. */
  jobChanged(job: Job): void {
    const key = ownerKey(job, "CronJob");
    if (key) this.queue.add(key);
  }

  /** Reconciles one CronJob; throws to be retried. */
  async syncCronJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.d.cronjobs.get(namespace, name);
    if (!cached) return;
    const cj = structuredClone(cached);
    const before = structuredClone(cj.status ?? {});
    const status = (cj.status ??= {});
    const now = this.clock.now();
    const jobs = this.d.jobs.list(namespace, (j) => isControlledBy(j, cj.metadata.uid));

    // 1. Reconcile status.active with the Jobs that exist and have not finished.
    const wasActive = new Set((status.active ?? []).map((r) => r.uid));
    for (const j of jobs) {
      const done = finishedCondition(j);
      if (done && wasActive.has(j.metadata.uid)) {
        this.d.recorder.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, status: ${done.type}`);
      }
      if (done?.type === "Complete" && j.status?.completionTime && (!status.lastSuccessfulTime || j.status.completionTime > status.lastSuccessfulTime)) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    const running = jobs.filter((j) => !finishedCondition(j) && !j.metadata.deletionTimestamp);
    status.active = running.map(jobRef);
    if (status.active.length === 0) delete status.active;

    // 2. Prune finished Jobs beyond the history limits.
    await this.cleanupHistory(cj, jobs);

    // 3. Start the most recent due run, unless suspended or already started.
    if (!cj.spec?.suspend) await this.scheduleRun(key, cj, running, now);

    if (!sameJson(before, status)) await this.d.client.updateStatus(R.cronjobs, cj);
  }

  private async scheduleRun(key: string, cj: CronJob, running: Job[], now: number): Promise<void> {
    let sched;
    try {
      sched = parseSchedule(cj);
    } catch (err) {
      // A bad schedule cannot be fixed by retrying; the user must edit the CronJob.
      this.d.recorder.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${cj.spec?.schedule}: ${(err as Error).message}`);
      return;
    }
    const status = cj.status!;
    const sds = cj.spec?.startingDeadlineSeconds;
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? rfc3339(now));
    if (sds !== undefined && sds !== null) earliest = Math.max(earliest, now - sds * 1000);
    const { at, missed } = mostRecentRun(sched, earliest, now);
    const requeue = () => {
      const next = nextRun(sched, now);
      if (next !== undefined) this.queue.addAfter(key, next - now + 100);
    };
    if (missed > 100) this.d.recorder.event(cj, "Warning", "TooManyMissedTimes", `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    if (at === undefined) return requeue();
    if (sds !== undefined && sds !== null && at + sds * 1000 < now) {
      this.d.recorder.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc3339(at)}`);
      return requeue();
    }
    const policy = cj.spec?.concurrencyPolicy ?? "Allow";
    if (policy === "Forbid" && running.length > 0) {
      this.d.log.debug({ cronjob: key }, "not starting job: concurrencyPolicy Forbid and one is active");
      return requeue();
    }
    if (policy === "Replace") {
      for (const j of running) {
        await this.deleteJob(cj, j);
        status.active = status.active?.filter((r) => r.uid !== j.metadata.uid);
      }
    }
    const job = this.jobFromTemplate(cj, at);
    try {
      const created = await this.d.client.create(R.jobs, cj.metadata.namespace, job);
      this.d.recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
      (status.active ??= []).push(jobRef(created));
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.d.recorder.event(cj, "Warning", "FailedCreate", `Error creating job: ${(err as Error).message}`);
        throw err;
      }
    }
    status.lastScheduleTime = rfc3339(at);
    requeue();
  }

  private jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
    const tpl = cj.spec?.jobTemplate ?? {};
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: jobNameFor(cj, scheduledMs),
        namespace: cj.metadata.namespace,
        labels: { ...tpl.metadata?.labels },
        annotations: { ...tpl.metadata?.annotations, [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduledMs) },
        ownerReferences: [newControllerRef(cj, "batch/v1", "CronJob")],
      },
      spec: structuredClone(tpl.spec ?? { template: { spec: { containers: [] } } }),
    };
  }

  private async cleanupHistory(cj: CronJob, jobs: Job[]): Promise<void> {
    const finished = (type: string) => jobs
      .filter((j) => finishedCondition(j)?.type === type && !j.metadata.deletionTimestamp)
      .sort((a, b) => startOf(a).localeCompare(startOf(b)));
    const prune = async (list: Job[], limit: number | undefined) => {
      if (limit === undefined || limit === null) return;
      for (const j of list.slice(0, Math.max(0, list.length - limit))) await this.deleteJob(cj, j);
    };
    await prune(finished("Complete"), cj.spec?.successfulJobsHistoryLimit ?? 3);
    await prune(finished("Failed"), cj.spec?.failedJobsHistoryLimit ?? 1);
  }

  private async deleteJob(cj: CronJob, j: Job): Promise<void> {
    try {
      await this.d.client.delete(R.jobs, j.metadata.namespace, j.metadata.name!, { propagationPolicy: "Background" });
      this.d.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${j.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

const startOf = (j: Job): string => j.status?.startTime ?? j.metadata.creationTimestamp ?? "";

/** A clock running `speed` times faster than real time from the moment it is made (tests only). */
export function acceleratedClock(speed: number, base: Clock = realClock): Clock {
  const t0 = base.now();
  return {
    now: () => t0 + (base.now() - t0) * speed,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms / speed),
    clearTimeout: (h) => base.clearTimeout(h),
  };
}

/** The "cronjob" entry of the controller table. */
export const cronJobDescriptor: ControllerDescriptor = {
  name: "cronjob",
  create(ctx: ControllerContext) {
    const cronjobs = ctx.informers.informerFor<CronJob>(R.cronjobs);
    const jobs = ctx.informers.informerFor<Job>(R.jobs);
    const speed = Number(process.env.KATES_CRONJOB_CLOCK_SPEED ?? "1");
    const c = new CronJobController({
      cronjobs: cronjobs.lister,
      jobs: jobs.lister,
      client: restObjectClient(ctx.rest),
      recorder: ctx.recorder("cronjob-controller"),
      log: ctx.log,
      clock: Number.isFinite(speed) && speed > 1 ? acceleratedClock(speed) : realClock,
    });
    cronjobs.on("add", (cj) => c.enqueue(cj));
    cronjobs.on("update", (_o, cj) => c.enqueue(cj));
    jobs.on("add", (j) => c.jobChanged(j));
    jobs.on("update", (_o, j) => c.jobChanged(j));
    jobs.on("delete", (j) => c.jobChanged(j));
    return { run: (signal) => runQueue(c.queue, [cronjobs, jobs], ctx.options.workers, (k) => c.syncCronJob(k), signal, ctx.log) };
  },
};
