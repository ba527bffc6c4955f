// The seeds' Deployment walkthrough with the real kubectl against the real apiserver on a
// 3-member etcd, with the controller-manager in-process and a fake kubelet (fake-kubelet.ts)
// making pods Ready, or not for a missing image.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Deployment, type KObject, type Pod, type ReplicaSet } from "@kates/api";
import { RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl as runKubectl } from "../../harness/kubectl.js";
import { run as runControllerManager } from "../../../packages/controller-manager/src/controller-manager.js";
import { startFakeKubelet } from "./fake-kubelet.js";

let cp: ControlPlane;
let rest: RestClient;
const stop = new AbortController();
let cm: Promise<void>;

const kubectl = (args: string[], input?: string) => runKubectl(args, { server: cp.url, input, timeoutMs: 120_000 });
const deployments = () => rest.resource<Deployment>(findResource("apps", "v1", "deployments")!, "default");
const replicaSets = () => rest.resource<ReplicaSet>(findResource("apps", "v1", "replicasets")!, "default");
const pods = () => rest.resource<Pod>(findResource("", "v1", "pods")!, "default");

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

const deploymentYaml = (name: string, replicas: number, strategy = "RollingUpdate") => JSON.stringify({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { tier: "frontend", app: "nginx" } },
  spec: {
    selector: { matchLabels: { app: name } },
    replicas,
    strategy: { type: strategy },
    template: { metadata: { name: "nginx-2", labels: { app: name } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } },
  },
});

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-workloads" });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-workloads-test" });
  await startFakeKubelet(rest, "node-1", stop.signal);
  cm = runControllerManager({
    server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false,
    leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000,
    workers: 5, nodeMonitorGracePeriodMs: 4000, nodeMonitorPeriodMs: 1000, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24,
    controllers: ["replicaset", "replicationcontroller", "deployment", "garbagecollector"],
  }, newLogger("kates-controller-manager", "silent"), stop.signal);
});

afterAll(async () => {
  stop.abort();
  await cm?.catch(() => {});
  rest?.close();
  await cp?.stop();
});

describe("the seeds' deployment walkthrough", () => {
  const name = "myapp-deployment";

  it("creates 6 replicas and rollout status follows to success", async () => {
    const applied = await kubectl(["apply", "-f", "-", "--record"], deploymentYaml(name, 6));
    expect(applied.stdout).toContain(`deployment.apps/${name} created`);
    const status = await kubectl(["rollout", "status", `deployment/${name}`]);
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split("\n").at(-1)).toBe(`deployment "${name}" successfully rolled out`);
    const pods = await kubectl(["get", "pods", "-l", `app=${name}`, "--no-headers"]);
    expect(pods.stdout.trim().split("\n").filter((l) => /1\/1\s+Running/.test(l))).toHaveLength(6);
    const history = await kubectl(["rollout", "history", `deployment/${name}`]);
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+kubectl apply .*--filename=- --record=true\n/);
  });

  it("rolls out a new image and records it in history and events", async () => {
    const set = await kubectl(["set", "image", `deployment/${name}`, "nginx=nginx:1.24.0", "--record"]);
    expect(set.code).toBe(0);
    const status = await kubectl(["rollout", "status", `deployment/${name}`]);
    expect(status.stdout).toContain(`deployment "${name}" successfully rolled out`);
    const history = await kubectl(["rollout", "history", `deployment/${name}`]);
    expect(history.stdout).toMatch(/\n2\s+kubectl set image deployment\/myapp-deployment nginx=nginx:1\.24\.0 .*--record=true\n/);
    const describe = (await kubectl(["describe", "deploy", name])).stdout;
    expect(describe).toMatch(/deployment\.kubernetes\.io\/revision: 2/);
    expect(describe).toMatch(/Replicas:\s+6 desired \| 6 updated \| 6 total \| 6 available \| 0 unavailable/);
    expect(describe).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
    expect(describe).toMatch(/Progressing\s+True\s+NewReplicaSetAvailable/);
    expect(describe).toMatch(/OldReplicaSets:\s+myapp-deployment-\w+ \(0\/0 replicas created\)/);
    expect(describe).toMatch(/NewReplicaSet:\s+myapp-deployment-\w+ \(6\/6 replicas created\)/);
    expect(describe).toMatch(/ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set myapp-deployment-\w+ from 0 to 6/);
    expect(describe).toMatch(/Scaled up replica set myapp-deployment-\w+ from 0 to 2/);
    expect(describe).toMatch(/Scaled down replica set myapp-deployment-\w+ from 6 to 5/);
  });

  it("gets stuck on a missing image with 3 new unavailable and 5 old available", async () => {
    await kubectl(["set", "image", `deployment/${name}`, "nginx=nginx:1.24.0-does-not-exist", "--record"]);
    const d = await until("a stuck rollout", async () => {
      const d = await deployments().get(name);
      const s = d.status ?? {};
      return s.observedGeneration === d.metadata.generation && s.updatedReplicas === 3 && s.availableReplicas === 5 && d;
    });
    // Stays there: nothing more is scaled while the new pods never become ready.
    await new Promise((r) => setTimeout(r, 2000));
    const again = await deployments().get(name);
    expect(again.status).toMatchObject({ replicas: 8, updatedReplicas: 3, availableReplicas: 5, unavailableReplicas: 3 });
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    const get = await kubectl(["get", "deployment", name, "--no-headers"]);
    expect(get.stdout).toMatch(new RegExp(`^${name}\\s+5/6\\s+3\\s+5\\s`));
    const status = await kubectl(["rollout", "status", `deployment/${name}`, "--watch=false"]);
    expect(status.stdout).toContain(`Waiting for deployment "${name}" rollout to finish: 3 out of 6 new replicas have been updated...`);
    const sets = (await replicaSets().list()).items.filter((rs) => rs.metadata.name!.startsWith(name));
    expect(sets.map((rs) => rs.spec?.replicas).sort()).toEqual([0, 3, 5]);
  });

  it("undo brings the previous image back under a new revision", async () => {
    const undo = await kubectl(["rollout", "undo", `deployment/${name}`]);
    expect(undo.stdout).toContain(`deployment.apps/${name} rolled back`);
    const status = await kubectl(["rollout", "status", `deployment/${name}`]);
    expect(status.stdout).toContain(`deployment "${name}" successfully rolled out`);
    const history = await kubectl(["rollout", "history", `deployment/${name}`]);
    const revisions = history.stdout.trim().split("\n").slice(2).map((l) => l.split(/\s+/)[0]);
    expect(revisions).toEqual(["1", "3", "4"]);
    expect(history.stdout).toMatch(/\n4\s+kubectl set image deployment\/myapp-deployment nginx=nginx:1\.24\.0 .*--record=true\n/);
    const running = (await pods().list({ labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
    await until("6 pods of nginx:1.24.0", async () => {
      const items = (await pods().list({ labelSelector: `app=${name}` })).items;
      return items.length === 6 && items.every((p) => p.spec?.containers[0]?.image === "nginx:1.24.0" && p.status?.phase === "Running");
    });
    expect(running.length).toBeGreaterThanOrEqual(6);
    const rs = (await replicaSets().list()).items.find((r) => r.metadata.annotations?.["deployment.kubernetes.io/revision"] === "4")!;
    expect(rs.metadata.annotations?.["deployment.kubernetes.io/revision-history"]).toBe("2");
  });

  it("scales up and down through kubectl scale", async () => {
    await kubectl(["scale", `deployment/${name}`, "--replicas=8"]);
    await until("8 available", async () => (await deployments().get(name)).status?.availableReplicas === 8);
    await kubectl(["scale", `deployment/${name}`, "--replicas=2"]);
    await until("2 pods left", async () => (await pods().list({ labelSelector: `app=${name}` })).items.length === 2);
    const status = await kubectl(["rollout", "status", `deployment/${name}`]);
    expect(status.stdout).toContain("successfully rolled out");
  });
});

describe("Recreate vs RollingUpdate", () => {
  it("Recreate scales the old set to 0 before the new one comes up, as the events show", async () => {
    await kubectl(["apply", "-f", "-"], deploymentYaml("recreate", 3, "Recreate"));
    await kubectl(["rollout", "status", "deployment/recreate"]);
    await kubectl(["set", "image", "deployment/recreate", "nginx=nginx:1.24.0"]);
    const status = await kubectl(["rollout", "status", "deployment/recreate"]);
    expect(status.stdout).toContain(`deployment "recreate" successfully rolled out`);
    const describe = (await kubectl(["describe", "deploy", "recreate"])).stdout;
    expect(describe).toMatch(/StrategyType:\s+Recreate/);
    const events = describe.split("\n").filter((l) => l.includes("ScalingReplicaSet")).map((l) => l.replace(/.*deployment-controller\s+/, ""));
    expect(events).toHaveLength(3);
    expect(events[0]).toMatch(/^Scaled up replica set recreate-\w+ from 0 to 3$/);
    expect(events[1]).toMatch(/^Scaled down replica set recreate-\w+ from 3 to 0$/);
    expect(events[2]).toMatch(/^Scaled up replica set recreate-\w+ from 0 to 3$/);
  });
});

describe("ReplicaSet and ReplicationController", () => {
  it("a ReplicaSet adopts a hand-made pod with matching labels and creates only the rest", async () => {
    const run = await kubectl(["run", "handmade", "--image=nginx", "--labels=app=adopt"]);
    expect(run.code).toBe(0);
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "adopter" }, spec: { replicas: 3, selector: { matchLabels: { app: "adopt" } }, template: { metadata: { labels: { app: "adopt" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } } };
    await kubectl(["apply", "-f", "-"], JSON.stringify(rs));
    await until("3 ready replicas", async () => (await replicaSets().get("adopter")).status?.readyReplicas === 3);
    const handmade = await pods().get("handmade");
    expect(handmade.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ReplicaSet", name: "adopter", controller: true, blockOwnerDeletion: true })]);
    const all = (await pods().list({ labelSelector: "app=adopt" })).items;
    expect(all).toHaveLength(3);
    const describe = (await kubectl(["describe", "rs", "adopter"])).stdout;
    expect(describe.match(/SuccessfulCreate\s+.*replicaset-controller\s+Created pod: adopter-\w+/g)).toHaveLength(2);
    expect(describe).toMatch(/Replicas:\s+3 current \/ 3 desired/);
  });

  it("a ReplicationController keeps its replicas when scaled", async () => {
    const rc = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "legacy" }, spec: { replicas: 2, selector: { app: "legacy" }, template: { metadata: { labels: { app: "legacy" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } } };
    await kubectl(["apply", "-f", "-"], JSON.stringify(rc));
    const rcs = rest.resource<KObject & { status?: { readyReplicas?: number } }>(findResource("", "v1", "replicationcontrollers")!, "default");
    await until("2 ready", async () => (await rcs.get("legacy")).status?.readyReplicas === 2);
    await kubectl(["scale", "rc/legacy", "--replicas=4"]);
    await until("4 ready", async () => (await rcs.get("legacy")).status?.readyReplicas === 4);
    await kubectl(["scale", "rc/legacy", "--replicas=1"]);
    await until("1 pod", async () => (await pods().list({ labelSelector: "app=legacy" })).items.length === 1);
    const pod = (await pods().list({ labelSelector: "app=legacy" })).items[0]!;
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: "v1", kind: "ReplicationController", name: "legacy" });
  });
});

describe("progress deadline", () => {
  it("rollout status fails once a stuck rollout exceeds progressDeadlineSeconds", async () => {
    const d = JSON.parse(deploymentYaml("deadline", 2)) as Deployment;
    d.spec!.progressDeadlineSeconds = 2;
    d.spec!.template.spec!.containers[0]!.image = "nginx:1.24.0-does-not-exist";
    await kubectl(["apply", "-f", "-"], JSON.stringify(d));
    const status = await kubectl(["rollout", "status", "deployment/deadline"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`error: deployment "deadline" exceeded its progress deadline`);
    const describe = (await kubectl(["describe", "deploy", "deadline"])).stdout;
    expect(describe).toMatch(/Progressing\s+False\s+ProgressDeadlineExceeded/);
    expect(describe).toMatch(/Available\s+False\s+MinimumReplicasUnavailable/);
  });
});
