import { describe, expect, it } from "vitest";
import type { CronJob, Job } from "@kates/api";
import { FakeClock, noopLogger } from "@kates/client";
import { CronJobController } from "./cronjob-controller.js";
import { mostRecentRun, nextRun, parseSchedule } from "./cronjob-utils.js";
import { FakeObjectClient, FakeRecorder, store } from "../job/testing.js";
import { rfc3339 } from "../job/workload-utils.js";

const T0 = Date.parse("2024-05-01T10:00:30Z");

function cronjob(spec: Partial<NonNullable<CronJob["spec"]>> = {}, status: CronJob["status"] = {}): CronJob {
  return {
    apiVersion: "batch/v1", kind: "CronJob",
    metadata: { name: "hello", namespace: "default", uid: "cj-uid", creationTimestamp: "2024-05-01T09:58:10Z" },
    spec: { schedule: "* * * * *", concurrencyPolicy: "Allow", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } } }, ...spec },
    status,
  };
}

function childJob(name: string, finished?: "Complete" | "Failed", start = "2024-05-01T09:00:00Z"): Job {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "cj-uid", controller: true }] },
    spec: { template: {} },
    status: { startTime: start, ...(finished ? { conditions: [{ type: finished, status: "True" }], completionTime: finished === "Complete" ? start : undefined } : {}) },
  };
}

function setup(cj: CronJob, jobs: Job[] = [], now = T0) {
  const clock = new FakeClock(now);
  const client = new FakeObjectClient();
  const recorder = new FakeRecorder();
  const c = new CronJobController({ cronjobs: store(cj), jobs: store(...jobs), client, recorder, log: noopLogger, clock });
  return { c, client, recorder, clock };
}

describe("schedules", () => {
  it("finds the next run in UTC and in a time zone", () => {
    expect(rfc3339(nextRun(parseSchedule(cronjob({ schedule: "@hourly" })), T0)!)).toBe("2024-05-01T11:00:00Z");
    // 09:00 in New York (EDT, UTC-4) is 13:00 UTC.
    expect(rfc3339(nextRun(parseSchedule(cronjob({ schedule: "0 9 * * *", timeZone: "America/New_York" })), T0)!)).toBe("2024-05-01T13:00:00Z");
    expect(rfc3339(nextRun(parseSchedule(cronjob({ schedule: "CRON_TZ=Asia/Tokyo 30 20 * * *" })), T0)!)).toBe("2024-05-01T11:30:00Z");
  });

  it("reports the latest missed run and how many were missed", () => {
    const r = mostRecentRun(parseSchedule(cronjob({ schedule: "*/5 * * * *" })), Date.parse("2024-05-01T09:00:00Z"), T0);
    expect(rfc3339(r.at!)).toBe("2024-05-01T10:00:00Z");
    expect(r.missed).toBe(12);
  });
});

describe("CronJobController", () => {
  it("creates the job for the latest due time, named by its minute, and requeues for the next", async () => {
    const { c, client, recorder, clock } = setup(cronjob());
    await c.syncCronJob("default/hello");
    const scheduled = Date.parse("2024-05-01T10:00:00Z");
    const job = client.last("create", "jobs") as Job;
    expect(job.metadata.name).toBe(`hello-${scheduled / 60_000}`);
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", uid: "cj-uid", controller: true });
    expect(job.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe("2024-05-01T10:00:00Z");
    const st = (client.last("updateStatus", "cronjobs") as CronJob).status!;
    expect(st.lastScheduleTime).toBe("2024-05-01T10:00:00Z");
    expect(st.active?.map((r) => r.name)).toEqual([job.metadata.name]);
    expect(recorder.events).toContain(`Normal SuccessfulCreate Created job ${job.metadata.name}`);
    clock.step(29_000);
    expect(c.queue.len()).toBe(0);
    clock.step(1_200);
    expect(c.queue.len()).toBe(1);
  });

  it("does nothing before the next time after lastScheduleTime", async () => {
    const { c, client } = setup(cronjob({}, { lastScheduleTime: "2024-05-01T10:00:00Z" }));
    await c.syncCronJob("default/hello");
    expect(client.summary()).toEqual([]);
  });

  it("Forbid skips a run while a job is active; Replace deletes it first", async () => {
    const active = childJob("hello-1");
    const f = setup(cronjob({ concurrencyPolicy: "Forbid" }, { lastScheduleTime: "2024-05-01T09:59:00Z" }), [active]);
    await f.c.syncCronJob("default/hello");
    expect(f.client.summary()).toEqual(["updateStatus cronjobs hello"]);
    const r = setup(cronjob({ concurrencyPolicy: "Replace" }, { lastScheduleTime: "2024-05-01T09:59:00Z" }), [active]);
    await r.c.syncCronJob("default/hello");
    expect(r.client.summary()).toEqual(["delete jobs hello-1", "create jobs", "updateStatus cronjobs hello"]);
  });

  it("skips runs older than startingDeadlineSeconds", async () => {
    const { c, client } = setup(cronjob({ schedule: "0 * * * *", startingDeadlineSeconds: 10 }), [], Date.parse("2024-05-01T10:00:45Z"));
    await c.syncCronJob("default/hello");
    expect(client.summary()).toEqual([]);
  });

  it("does not create jobs while suspended", async () => {
    const { c, client } = setup(cronjob({ suspend: true }));
    await c.syncCronJob("default/hello");
    expect(client.summary()).toEqual([]);
  });

  it("prunes finished jobs beyond the history limits, oldest first, and notes completions", async () => {
    const jobs = [
      childJob("ok-1", "Complete", "2024-05-01T09:01:00Z"), childJob("ok-2", "Complete", "2024-05-01T09:02:00Z"),
      childJob("ok-3", "Complete", "2024-05-01T09:03:00Z"), childJob("bad-1", "Failed", "2024-05-01T09:04:00Z"),
      childJob("bad-2", "Failed", "2024-05-01T09:05:00Z"),
    ];
    const { c, client, recorder } = setup(cronjob({ successfulJobsHistoryLimit: 2, suspend: true }, { active: [{ name: "ok-3", uid: "uid-ok-3" }] }), jobs);
    await c.syncCronJob("default/hello");
    expect(client.summary()).toEqual(["delete jobs ok-1", "delete jobs bad-1", "updateStatus cronjobs hello"]);
    const st = (client.last("updateStatus", "cronjobs") as CronJob).status!;
    expect(st.active).toBeUndefined();
    expect(st.lastSuccessfulTime).toBe("2024-05-01T09:03:00Z");
    expect(recorder.events).toContain("Normal SawCompletedJob Saw completed job: ok-3, status: Complete");
  });
});
