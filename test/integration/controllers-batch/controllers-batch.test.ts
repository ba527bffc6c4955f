// Job, CronJob, DaemonSet, StatefulSet and the local volume provisioner against the real
// apiserver and etcd, with the controller-manager running in-process (its exported `run`)
// and a small fake kubelet (fake-kubelet.ts) playing the pods' lives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type CronJob, type DaemonSet, type Job, type KObject, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StatefulSet } from "@kates/api";
import { RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { run } from "../../../packages/controller-manager/src/controller-manager.js";
import { startFakeKubelet, type FakeKubelet, type Outcome } from "./fake-kubelet.js";

const ri = {
  pods: findResource("", "v1", "pods")!,
  nodes: findResource("", "v1", "nodes")!,
  pvcs: findResource("", "v1", "persistentvolumeclaims")!,
  pvs: findResource("", "v1", "persistentvolumes")!,
  jobs: findResource("batch", "v1", "jobs")!,
  cronjobs: findResource("batch", "v1", "cronjobs")!,
  daemonsets: findResource("apps", "v1", "daemonsets")!,
  statefulsets: findResource("apps", "v1", "statefulsets")!,
};

let cp: ControlPlane;
let rest: RestClient;
let kubelet: FakeKubelet;
const stopCM = new AbortController();
let cmDone: Promise<void>;
const attempts = new Map<string, number>();

const res = <T extends KObject>(r: (typeof ri)[keyof typeof ri], ns = "default") => rest.resource<T>(r, r.namespaced ? ns : undefined);
const podsOf = async (prefix: string) => (await res<Pod>(ri.pods).list()).items.filter((p) => p.metadata.name!.startsWith(prefix));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How each pod's life goes: Jobs named flaky-* fail twice then succeed, doomed-* always fail, and so on. */
function behave(pod: Pod): Outcome {
  const job = pod.metadata.labels?.["batch.kubernetes.io/job-name"];
  if (job?.startsWith("flaky")) {
    const n = (attempts.get(job) ?? 0) + 1;
    attempts.set(job, n);
    return n <= 2 ? { kind: "fail" } : { kind: "succeed" };
  }
  if (job?.startsWith("doomed")) return { kind: "fail" };
  if (job?.startsWith("tick")) return { kind: "succeed" };
  if (pod.metadata.labels?.app === "web") return { kind: "run", readyAfterMs: 800 };
  return { kind: "run" };
}

const container = [{ name: "c", image: "busybox" }];
const jobSpec = (name: string, spec: Partial<NonNullable<Job["spec"]>> = {}): Job => ({
  apiVersion: "batch/v1", kind: "Job", metadata: { name },
  spec: { backoffLimit: 4, template: { spec: { restartPolicy: "Never", containers: container } }, ...spec },
});
const condition = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === "True");

async function addNode(name: string): Promise<void> {
  await res<Node>(ri.nodes).create({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } } });
}

beforeAll(async () => {
  // Test-only tuning, read when the controllers are built: 200 ms pod back-off, and a cron
  // clock running 60x so that `* * * * *` fires every real second.
  process.env.KATES_JOB_BACKOFF_BASE_MS = "200";
  process.env.KATES_CRONJOB_CLOCK_SPEED = "60";
  cp = await startControlPlane({ name: "controllers-batch", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-batch-test" });
  await addNode("node-a");
  await addNode("node-b");
  kubelet = await startFakeKubelet(rest, behave);
  cmDone = run({
    server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false,
    leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000,
    controllers: ["job", "cronjob", "daemonset", "statefulset", "persistentvolume-binder"], workers: 2,
    nodeMonitorGracePeriodMs: 4000, nodeMonitorPeriodMs: 1000, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24,
  }, newLogger("kates-controller-manager", "warn"), stopCM.signal);
});

afterAll(async () => {
  stopCM.abort();
  await cmDone?.catch(() => {});
  kubelet?.stop();
  rest?.close();
  await cp?.stop();
  delete process.env.KATES_JOB_BACKOFF_BASE_MS;
  delete process.env.KATES_CRONJOB_CLOCK_SPEED;
});

describe("Job", () => {
  it("retries failed pods with back-off until one succeeds", async () => {
    await res<Job>(ri.jobs).create(jobSpec("flaky"));
    const done = await until("flaky to complete", async () => {
      const j = await res<Job>(ri.jobs).get("flaky");
      return condition(j, "Complete") && j;
    });
    expect(done.status).toMatchObject({ succeeded: 1, failed: 2, active: 0 });
    expect(done.status?.completionTime).toBeTruthy();
    const pods = await podsOf("flaky-");
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => /^flaky-[a-z0-9]{5}$/.test(p.metadata.name!) && p.metadata.labels?.["batch.kubernetes.io/controller-uid"] === done.metadata.uid)).toBe(true);
  });

  it("fails with BackoffLimitExceeded once the failures pass backoffLimit", async () => {
    await res<Job>(ri.jobs).create(jobSpec("doomed", { backoffLimit: 1 }));
    const failed = await until("doomed to fail", async () => {
      const j = await res<Job>(ri.jobs).get("doomed");
      return condition(j, "Failed") && j;
    });
    expect(condition(failed, "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(failed.status?.failed).toBe(2);
  });

  it("suspending deletes the active pods; resuming starts them again", async () => {
    await res<Job>(ri.jobs).create(jobSpec("sleepy", { parallelism: 2, completions: 4 }));
    await until("2 running pods", async () => (await podsOf("sleepy-")).filter((p) => p.status?.phase === "Running").length === 2);
    await res<Job>(ri.jobs).patch("sleepy", { spec: { suspend: true } }, "merge");
    const suspended = await until("suspension", async () => {
      const j = await res<Job>(ri.jobs).get("sleepy");
      return condition(j, "Suspended") && (await podsOf("sleepy-")).length === 0 && j;
    });
    expect(suspended.status?.active).toBe(0);
    await res<Job>(ri.jobs).patch("sleepy", { spec: { suspend: false } }, "merge");
    await until("pods again", async () => (await podsOf("sleepy-")).length === 2);
  });
});

describe("CronJob", () => {
  it("creates a Job per scheduled minute and keeps only the history limit", async () => {
    await res<CronJob>(ri.cronjobs).create({
      apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "tick" },
      spec: { schedule: "* * * * *", successfulJobsHistoryLimit: 2, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: container } } } } },
    });
    const seen = new Set<string>();
    await until("5 jobs created over time", async () => {
      for (const j of (await res<Job>(ri.jobs).list()).items) if (j.metadata.name!.startsWith("tick-")) seen.add(j.metadata.name!);
      return seen.size >= 5;
    }, 30_000);
    for (const name of seen) expect(name).toMatch(/^tick-\d{8}$/);
    await until("history pruned to 2 completed", async () => {
      const jobs = (await res<Job>(ri.jobs).list()).items.filter((j) => j.metadata.name!.startsWith("tick-"));
      return jobs.filter((j) => condition(j, "Complete")).length <= 2 && jobs.length <= 3;
    });
    const cj = await res<CronJob>(ri.cronjobs).get("tick");
    expect(cj.status?.lastScheduleTime).toBeTruthy();
    expect(cj.status?.lastSuccessfulTime).toBeTruthy();
  });
});

describe("DaemonSet", () => {
  it("runs one pod per node and follows nodes joining and leaving", async () => {
    await res<DaemonSet>(ri.daemonsets).create({
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: container } } },
    });
    const nodesOf = async () => (await podsOf("agent-")).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec?.nodeName).sort();
    await until("a pod on each node", async () => JSON.stringify(await nodesOf()) === JSON.stringify(["node-a", "node-b"]));
    await addNode("node-c");
    await until("a pod on the new node", async () => JSON.stringify(await nodesOf()) === JSON.stringify(["node-a", "node-b", "node-c"]));
    const ds = await until("status", async () => {
      const d = await res<DaemonSet>(ri.daemonsets).get("agent");
      return d.status?.numberReady === 3 && d;
    });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0 });
    await res<Node>(ri.nodes).delete("node-c");
    await until("the pod of the removed node gone", async () => JSON.stringify(await nodesOf()) === JSON.stringify(["node-a", "node-b"]));
  });
});

describe("StatefulSet", () => {
  it("creates web-0 then web-1 once web-0 is Ready, with bound claims that survive the pod", async () => {
    await res<StatefulSet>(ri.statefulsets).create({
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web" },
      spec: {
        replicas: 2, serviceName: "nginx", selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: container } },
        volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    });
    const sts = await until("2 ready replicas", async () => {
      const s = await res<StatefulSet>(ri.statefulsets).get("web");
      return s.status?.readyReplicas === 2 && s;
    });
    const [web0, web1] = await Promise.all(["web-0", "web-1"].map((n) => res<Pod>(ri.pods).get(n)));
    expect(Date.parse(web1.metadata.creationTimestamp!)).toBeGreaterThanOrEqual(Math.floor(kubelet.readyAt.get("web-0")! / 1000) * 1000);
    expect(web0.spec).toMatchObject({ hostname: "web-0", subdomain: "nginx" });
    expect(web1.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "web-1", "apps.kubernetes.io/pod-index": "1" });
    expect(sts.status).toMatchObject({ replicas: 2, currentReplicas: 2, updatedReplicas: 2 });

    const claims = await until("bound claims", async () => {
      const cs = await Promise.all(["www-web-0", "www-web-1"].map((n) => res<PersistentVolumeClaim>(ri.pvcs).get(n)));
      return cs.every((c) => c.status?.phase === "Bound") && cs;
    });
    for (const c of claims) {
      const pv = await res<PersistentVolume>(ri.pvs).get(c.spec!.volumeName!);
      expect(pv.spec?.hostPath?.path).toBe(`/var/lib/kates/volumes/${pv.metadata.name}`);
      expect(pv.spec?.claimRef).toMatchObject({ name: c.metadata.name, uid: c.metadata.uid });
      expect(pv.status?.phase).toBe("Bound");
      expect(c.status?.capacity?.storage).toBe("1Gi");
    }
    expect(web0.spec?.volumes).toContainEqual({ name: "www", persistentVolumeClaim: { claimName: "www-web-0" } });

    await res<Pod>(ri.pods).delete("web-0");
    const again = await until("web-0 recreated and ready", async () => {
      const p = await res<Pod>(ri.pods).get("web-0");
      return p.metadata.uid !== web0.metadata.uid && p.status?.phase === "Running" && p;
    });
    expect(again.spec?.volumes).toContainEqual({ name: "www", persistentVolumeClaim: { claimName: "www-web-0" } });
    const claim = await res<PersistentVolumeClaim>(ri.pvcs).get("www-web-0");
    expect(claim.metadata.uid).toBe(claims[0].metadata.uid);
    expect(claim.spec?.volumeName).toBe(claims[0].spec?.volumeName);
  });

  it("releases and deletes a provisioned volume when its claim is deleted", async () => {
    await res<PersistentVolumeClaim>(ri.pvcs).create({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "scratch" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } });
    const bound = await until("scratch bound", async () => {
      const c = await res<PersistentVolumeClaim>(ri.pvcs).get("scratch");
      return c.status?.phase === "Bound" && c;
    });
    await res<PersistentVolumeClaim>(ri.pvcs).delete("scratch");
    await until("its volume deleted", async () => !(await res<PersistentVolume>(ri.pvs).list()).items.some((v) => v.metadata.name === bound.spec?.volumeName));
  });
});
