// Deployments on hollow nodes with the real scheduler: pods are placed by kates-scheduler and
// reported Running/Ready by hollow kubelets, so this checks the controllers against the
// real components rather than fake-kubelet.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Deployment, type Pod, type ReplicaSet } from "@kates/api";
import { RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl as runKubectl } from "../../harness/kubectl.js";
import { run as runControllerManager } from "../../../packages/controller-manager/src/controller-manager.js";
import { run as runScheduler } from "../../../packages/scheduler/src/scheduler.js";
import { startHollowNodes } from "../../../packages/kubelet/src/hollow.js";

let cp: ControlPlane;
let rest: RestClient;
const stop = new AbortController();
const daemons: Promise<unknown>[] = [];
const kubectl = (args: string[], input?: string) => runKubectl(args, { server: cp.url, input, timeoutMs: 120_000 });

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-hollow" });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-hollow-test" });
  const silent = newLogger("test", "silent");
  const hollow = await startHollowNodes({ server: rest, namePrefix: "hollow", count: 3, signal: stop.signal, log: silent });
  daemons.push(hollow.done);
  daemons.push(runScheduler({
    server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false, leaseDurationMs: 4000, renewDeadlineMs: 3000,
    retryPeriodMs: 1000, qps: 0, burst: 0, parallelism: 16, percentageOfNodesToScore: 0,
  }, silent, stop.signal));
  daemons.push(runControllerManager({
    server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false,
    leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000,
    workers: 5, nodeMonitorGracePeriodMs: 4000, nodeMonitorPeriodMs: 1000, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24,
    controllers: ["replicaset", "deployment", "garbagecollector"],
  }, silent, stop.signal));
});

afterAll(async () => {
  stop.abort();
  await Promise.allSettled(daemons);
  rest?.close();
  await cp?.stop();
});

describe("Deployment on hollow nodes", () => {
  it("rolls out, rolls forward and back, with pods spread over the nodes", async () => {
    const created = await kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=9"]);
    expect(created.code).toBe(0);
    const first = await kubectl(["rollout", "status", "deployment/web"]);
    expect(first.stdout.trim().split("\n").at(-1)).toBe(`deployment "web" successfully rolled out`);
    const pods = (await rest.resource<Pod>(findResource("", "v1", "pods")!, "default").list({ labelSelector: "app=web" })).items;
    expect(pods).toHaveLength(9);
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);

    await kubectl(["set", "image", "deployment/web", "nginx=nginx:1.24.0"]);
    const second = await kubectl(["rollout", "status", "deployment/web"]);
    expect(second.stdout).toContain(`deployment "web" successfully rolled out`);
    await kubectl(["rollout", "undo", "deployment/web"]);
    const third = await kubectl(["rollout", "status", "deployment/web"]);
    expect(third.stdout).toContain(`deployment "web" successfully rolled out`);

    const d = await rest.resource<Deployment>(findResource("apps", "v1", "deployments")!, "default").get("web");
    expect(d.spec?.template.spec?.containers[0]?.image).toBe("nginx");
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(d.status).toMatchObject({ replicas: 9, updatedReplicas: 9, readyReplicas: 9, availableReplicas: 9 });
  });

  it("holds a paused rollout, still scales it, and rolls out on resume", async () => {
    const replicaSets = rest.resource<ReplicaSet>(findResource("apps", "v1", "replicasets")!, "default");
    const setsOf = async () => (await replicaSets.list({ labelSelector: "app=web" })).items;
    const before = (await setsOf()).length;
    expect((await kubectl(["rollout", "pause", "deployment/web"])).code).toBe(0);
    await kubectl(["set", "image", "deployment/web", "nginx=nginx:1.25.0"]);
    await kubectl(["scale", "deployment/web", "--replicas=4"]);
    const deployments = rest.resource<Deployment>(findResource("apps", "v1", "deployments")!, "default");
    await until(async () => (await deployments.get("web")).status?.replicas === 4);
    expect((await setsOf()).length).toBe(before);
    const paused = (await kubectl(["describe", "deploy", "web"])).stdout;
    expect(paused).toMatch(/Progressing\s+Unknown\s+DeploymentPaused/);
    await kubectl(["rollout", "resume", "deployment/web"]);
    const status = await kubectl(["rollout", "status", "deployment/web"]);
    expect(status.stdout).toContain(`deployment "web" successfully rolled out`);
    const d = await deployments.get("web");
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("4");
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
  });
});

async function until(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}
