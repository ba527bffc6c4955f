import { describe, expect, it } from "vitest";
import type { Job, Pod } from "@kates/api";
import { FakeClock, noopLogger } from "@kates/client";
import { JobController } from "./job-controller.js";
import { backoffDelay } from "./job-utils.js";
import { FakeObjectClient, FakeRecorder, store } from "./testing.js";
import { rfc3339 } from "./workload-utils.js";

const T0 = Date.parse("2024-05-01T10:00:00Z");

function job(spec: Partial<NonNullable<Job["spec"]>> = {}, status: Job["status"] = {}): Job {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name: "pi", namespace: "default", uid: "job-uid" },
    spec: { completions: 1, parallelism: 1, backoffLimit: 6, template: { metadata: { labels: { app: "pi" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } }, ...spec },
    status,
  };
}

let podSeq = 0;
function pod(phase: NonNullable<Pod["status"]>["phase"], finishedAt?: number, extra: Partial<Pod["metadata"]> = {}): Pod {
  return {
    metadata: { name: `pi-${podSeq++}`, namespace: "default", creationTimestamp: rfc3339(T0 - 60_000), ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "job-uid", controller: true }], ...extra },
    spec: { restartPolicy: "Never", containers: [] },
    status: {
      phase,
      conditions: phase === "Running" ? [{ type: "Ready", status: "True" }] : [],
      containerStatuses: finishedAt === undefined ? [] : [{ name: "c", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: phase === "Failed" ? 1 : 0, finishedAt: rfc3339(finishedAt) } } }],
    },
  } as Pod;
}

function setup(j: Job, pods: Pod[] = []) {
  const clock = new FakeClock(T0);
  const client = new FakeObjectClient();
  const recorder = new FakeRecorder();
  const c = new JobController({ jobs: store(j), pods: store(...pods), client, recorder, log: noopLogger, clock, backoff: { baseMs: 10_000, maxMs: 360_000 } });
  return { c, client, recorder, clock };
}

describe("JobController", () => {
  it("creates parallelism pods with the job's labels and owner, and records the start", async () => {
    const { c, client, recorder } = setup(job({ completions: 5, parallelism: 2 }));
    await c.syncJob("default/pi");
    expect(client.summary()).toEqual(["create pods", "create pods", "updateStatus jobs pi"]);
    const p = client.actions[0].obj as Pod;
    expect(p.metadata.generateName).toBe("pi-");
    expect(p.metadata.labels).toMatchObject({ app: "pi", "batch.kubernetes.io/job-name": "pi", "batch.kubernetes.io/controller-uid": "job-uid" });
    expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Job", name: "pi", uid: "job-uid", controller: true });
    expect(p.spec?.restartPolicy).toBe("Never");
    const st = (client.last("updateStatus", "jobs") as Job).status!;
    expect(st).toMatchObject({ active: 2, succeeded: 0, failed: 0, startTime: rfc3339(T0) });
    expect(recorder.events.filter((e) => e.startsWith("Normal SuccessfulCreate"))).toHaveLength(2);
  });

  it("does not create more while earlier creations are unobserved (expectations)", async () => {
    const { c, client } = setup(job({ completions: 3, parallelism: 3 }));
    await c.syncJob("default/pi");
    await c.syncJob("default/pi");
    expect(client.summary().filter((s) => s === "create pods")).toHaveLength(3);
  });

  it("waits out the failure back-off before replacing a failed pod", async () => {
    const failedAt = T0 - 5_000;
    const { c, client } = setup(job({}, { startTime: rfc3339(T0 - 60_000) }), [pod("Failed", failedAt)]);
    await c.syncJob("default/pi");
    expect(client.summary()).toEqual(["updateStatus jobs pi"]); // failed: 1 recorded, no pod yet (10s back-off)
    expect((client.last("updateStatus", "jobs") as Job).status?.failed).toBe(1);
    const later = setup(job({}, { startTime: rfc3339(T0 - 60_000), failed: 1 }), [pod("Failed", T0 - 11_000)]);
    await later.c.syncJob("default/pi");
    expect(later.client.summary()).toEqual(["create pods", "updateStatus jobs pi"]);
  });

  it("doubles the back-off per failure up to the cap", () => {
    const b = { baseMs: 10_000, maxMs: 360_000 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, b))).toEqual([0, 10_000, 20_000, 40_000, 360_000]);
  });

  it("completes when enough pods succeeded, with completionTime and a Completed event", async () => {
    const { c, client, recorder } = setup(job({ completions: 1 }, { startTime: rfc3339(T0 - 60_000), active: 1 }), [pod("Failed", T0 - 50_000), pod("Failed", T0 - 30_000), pod("Succeeded", T0 - 1000)]);
    await c.syncJob("default/pi");
    const st = (client.last("updateStatus", "jobs") as Job).status!;
    expect(st).toMatchObject({ active: 0, succeeded: 1, failed: 2, completionTime: rfc3339(T0) });
    expect(st.conditions).toEqual([expect.objectContaining({ type: "Complete", status: "True" })]);
    expect(recorder.events).toContain("Normal Completed Job completed");
  });

  it("fails with BackoffLimitExceeded once failures pass backoffLimit and deletes active pods", async () => {
    const running = pod("Running");
    const { c, client, recorder } = setup(job({ backoffLimit: 1, parallelism: 2, completions: 2 }, { startTime: rfc3339(T0 - 60_000) }), [pod("Failed", T0 - 9000), pod("Failed", T0 - 5000), running]);
    await c.syncJob("default/pi");
    expect(client.summary()).toEqual([`delete pods ${running.metadata.name}`, "updateStatus jobs pi"]);
    const st = (client.last("updateStatus", "jobs") as Job).status!;
    expect(st.conditions?.[0]).toMatchObject({ type: "Failed", status: "True", reason: "BackoffLimitExceeded" });
    expect(st.failed).toBe(2);
    expect(recorder.events).toContain("Warning BackoffLimitExceeded Job has reached the specified backoff limit");
  });

  it("fails with DeadlineExceeded after activeDeadlineSeconds", async () => {
    const running = pod("Running");
    const { c, client } = setup(job({ activeDeadlineSeconds: 30 }, { startTime: rfc3339(T0 - 31_000) }), [running]);
    await c.syncJob("default/pi");
    expect(client.summary()).toEqual([`delete pods ${running.metadata.name}`, "updateStatus jobs pi"]);
    expect((client.last("updateStatus", "jobs") as Job).status?.conditions?.[0]).toMatchObject({ type: "Failed", reason: "DeadlineExceeded" });
  });

  it("schedules a resync at the deadline when it is still ahead", async () => {
    const { c, clock } = setup(job({ activeDeadlineSeconds: 30 }, { startTime: rfc3339(T0 - 10_000) }), [pod("Running")]);
    await c.syncJob("default/pi");
    expect(c.queue.len()).toBe(0);
    clock.step(20_100);
    expect(c.queue.len()).toBe(1);
  });

  it("suspending deletes active pods and sets Suspended; resuming creates pods again", async () => {
    const running = pod("Running");
    const s = setup(job({ suspend: true }, { startTime: rfc3339(T0 - 10_000), active: 1 }), [running]);
    await s.c.syncJob("default/pi");
    expect(s.client.summary()).toEqual([`delete pods ${running.metadata.name}`, "updateStatus jobs pi"]);
    const suspended = s.client.last("updateStatus", "jobs") as Job;
    expect(suspended.status?.conditions?.[0]).toMatchObject({ type: "Suspended", status: "True", reason: "JobSuspended" });
    expect(suspended.status?.active).toBe(0);
    expect(suspended.status?.startTime).toBeUndefined();

    const r = setup({ ...suspended, spec: { ...suspended.spec!, suspend: false } });
    await r.c.syncJob("default/pi");
    expect(r.client.summary()).toEqual(["create pods", "updateStatus jobs pi"]);
    expect((r.client.last("updateStatus", "jobs") as Job).status?.conditions?.[0]).toMatchObject({ type: "Suspended", status: "False", reason: "JobResumed" });
    expect(r.recorder.events).toContain("Normal Resumed Job resumed");
  });

  it("deletes a finished job after ttlSecondsAfterFinished with background propagation", async () => {
    const done = job({ ttlSecondsAfterFinished: 5 }, { completionTime: rfc3339(T0 - 2000), conditions: [{ type: "Complete", status: "True" }] });
    const { c, client, clock } = setup(done);
    await c.syncJob("default/pi");
    expect(client.actions).toEqual([]);
    clock.step(3100);
    expect(c.queue.len()).toBe(1);
    clock.step(1000);
    await c.syncJob("default/pi");
    expect(client.actions).toEqual([expect.objectContaining({ verb: "delete", resource: "jobs", name: "pi", opts: expect.objectContaining({ propagationPolicy: "Background" }) })]);
  });

  it("work-queue jobs (no completions) finish once a pod succeeded and none run", async () => {
    const { c, client } = setup(job({ completions: undefined, parallelism: 2 }, { startTime: rfc3339(T0) }), [pod("Succeeded", T0 - 1), pod("Running")]);
    await c.syncJob("default/pi");
    expect(client.summary()).toEqual(["updateStatus jobs pi"]); // one done, the other still running: no new pods
    expect((client.last("updateStatus", "jobs") as Job).status).toMatchObject({ active: 1, succeeded: 1 });
  });
});
