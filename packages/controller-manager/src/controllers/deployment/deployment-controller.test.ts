import { describe, expect, it } from "vitest";
import type { Deployment, Pod, ReplicaSet } from "@kates/api";
import { FakeClient, FakeInformer, FakeRecorder } from "../shared/fake-client.js";
import { DeploymentController } from "./deployment-controller.js";
import { maxSurge, maxUnavailable } from "./deployment-utils.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const template = (image: string) => ({ metadata: { labels: { app: "myapp" } }, spec: { containers: [{ name: "nginx", image }] } });

function deployment(image: string, extra: Partial<Deployment["spec"]> = {}, annotations: Record<string, string> = {}): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "myapp", namespace: "default", uid: "d-uid", generation: 1, resourceVersion: "10", annotations },
    spec: {
      replicas: 6, selector: { matchLabels: { app: "myapp" } }, template: template(image),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...extra,
    },
  };
}

function replicaSet(name: string, image: string, replicas: number, available: number, revision: number, created: number): ReplicaSet {
  const labels = { app: "myapp", "pod-template-hash": name };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `myapp-${name}`, namespace: "default", uid: `uid-${name}`, resourceVersion: "3", generation: 1, labels,
      creationTimestamp: new Date(created).toISOString(),
      annotations: { "deployment.kubernetes.io/revision": String(revision), "deployment.kubernetes.io/desired-replicas": "6", "deployment.kubernetes.io/max-replicas": "8" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "myapp", uid: "d-uid", controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, selector: { matchLabels: labels }, template: { ...template(image), metadata: { labels } } },
    status: { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  };
}

function fixture(d: Deployment, sets: ReplicaSet[] = [], pods: Pod[] = []) {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const controller = new DeploymentController({
    deployments: new FakeInformer<Deployment>().add(d),
    replicaSets: new FakeInformer<ReplicaSet>().add(...sets),
    pods: new FakeInformer<Pod>().add(...pods),
    clientFor: client.clientFor,
    recorder,
    now: () => NOW,
  });
  return { client, recorder, controller };
}

describe("fenceposts", () => {
  it("rounds surge up and unavailable down", () => {
    expect(maxSurge(deployment("nginx"))).toBe(2);
    expect(maxUnavailable(deployment("nginx"))).toBe(1);
    expect(maxUnavailable(deployment("nginx", { replicas: 3 }))).toBe(0);
    expect(maxSurge(deployment("nginx", { replicas: 3 }))).toBe(1);
    expect(maxUnavailable(deployment("nginx", { replicas: 1, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }))).toBe(1);
    expect(maxSurge(deployment("nginx", { strategy: { type: "Recreate" } }))).toBe(0);
  });
});

describe("DeploymentController.sync", () => {
  it("creates the first ReplicaSet named after the template hash, at full size, revision 1", async () => {
    const { client, recorder, controller } = fixture(deployment("nginx", {}, { "kubernetes.io/change-cause": "kubectl apply --record=true" }));
    await controller.sync("default/myapp");
    const [create] = client.of("create", "replicasets");
    const rs = create.body as ReplicaSet;
    const hash = rs.metadata.labels!["pod-template-hash"];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.name).toBe(`myapp-${hash}`);
    expect(rs.spec!.selector.matchLabels).toEqual({ app: "myapp", "pod-template-hash": hash });
    expect(rs.spec!.template!.metadata!.labels).toEqual({ app: "myapp", "pod-template-hash": hash });
    expect(rs.spec!.replicas).toBe(6);
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "myapp", uid: "d-uid", controller: true, blockOwnerDeletion: true }]);
    expect(rs.metadata.annotations).toEqual({
      "kubernetes.io/change-cause": "kubectl apply --record=true",
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "6",
      "deployment.kubernetes.io/max-replicas": "8",
    });
    expect(recorder.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set myapp-${hash} from 0 to 6`]);
    expect(client.of("patch", "deployments")[0].body).toEqual({ metadata: { annotations: { "deployment.kubernetes.io/revision": "1" } } });
    const status = (client.of("updateStatus", "deployments").at(-1)!.body as Deployment).status!;
    expect(status).toMatchObject({ observedGeneration: 1, replicas: 0, updatedReplicas: 0, availableReplicas: 0 });
    expect(status.conditions?.find((c) => c.type === "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
  });

  it("hashes equal templates equally and different ones differently", async () => {
    const names = async (image: string) => {
      const { client, controller } = fixture(deployment(image));
      await controller.sync("default/myapp");
      return client.of("create", "replicasets")[0].name;
    };
    expect(await names("nginx")).toBe(await names("nginx"));
    expect(await names("nginx")).not.toBe(await names("nginx:1.24.0"));
  });

  it("starts a rolling update: new set at maxSurge, old set down by maxUnavailable", async () => {
    const old = replicaSet("old", "nginx", 6, 6, 1, NOW - 100_000);
    const { client, recorder, controller } = fixture(deployment("nginx:1.24.0"), [old]);
    await controller.sync("default/myapp");
    const created = client.of("create", "replicasets")[0].body as ReplicaSet;
    expect(created.spec!.replicas).toBe(2);
    expect(created.metadata.annotations!["deployment.kubernetes.io/revision"]).toBe("2");
    const updates = client.of("update", "replicasets").map((a) => [a.name, (a.body as ReplicaSet).spec!.replicas]);
    expect(updates).toEqual([["myapp-old", 5]]);
    expect(recorder.events).toEqual([
      `Normal ScalingReplicaSet Scaled up replica set ${created.metadata.name} from 0 to 2`,
      "Normal ScalingReplicaSet Scaled down replica set myapp-old from 6 to 5",
    ]);
  });

  it("holds a stuck rollout at 3 new unavailable and 5 old available", async () => {
    const old = replicaSet("old", "nginx", 5, 5, 1, NOW - 100_000);
    const stuck = replicaSet("new", "nginx:1.24.0-does-not-exist", 3, 0, 2, NOW - 10_000);
    const d = deployment("nginx:1.24.0-does-not-exist");
    d.metadata.annotations = { "deployment.kubernetes.io/revision": "2" };
    const { client, controller } = fixture(d, [old, stuck]);
    await controller.sync("default/myapp");
    expect(client.of("update", "replicasets")).toEqual([]);
    expect(client.of("create", "replicasets")).toEqual([]);
    const status = (client.of("updateStatus", "deployments").at(-1)!.body as Deployment).status!;
    expect(status).toMatchObject({ replicas: 8, updatedReplicas: 3, availableReplicas: 5, unavailableReplicas: 3 });
    expect(status.conditions?.find((c) => c.type === "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
  });

  it("rolls back by reusing the old set under the next revision, with revision-history", async () => {
    const first = replicaSet("first", "nginx", 0, 0, 1, NOW - 200_000);
    const second = replicaSet("second", "nginx:1.24.0", 6, 6, 2, NOW - 100_000);
    // kubectl rollout undo copied the first set's template back into the Deployment.
    const d = deployment("nginx", {}, { "deployment.kubernetes.io/revision": "2" });
    const { client, controller } = fixture(d, [first, second]);
    await controller.sync("default/myapp");
    const reused = client.of("update", "replicasets").find((a) => a.name === "myapp-first")!.body as ReplicaSet;
    expect(reused.metadata.annotations!["deployment.kubernetes.io/revision"]).toBe("3");
    expect(reused.metadata.annotations!["deployment.kubernetes.io/revision-history"]).toBe("1");
    expect(client.of("patch", "deployments")[0].body).toEqual({ metadata: { annotations: { "deployment.kubernetes.io/revision": "3" } } });
    expect(client.of("create", "replicasets")).toEqual([]);
  });

  it("Recreate scales old sets to zero and creates nothing while old pods remain", async () => {
    const old = replicaSet("old", "nginx", 6, 6, 1, NOW - 100_000);
    const { client, recorder, controller } = fixture(deployment("nginx:1.24.0", { strategy: { type: "Recreate" } }), [old]);
    await controller.sync("default/myapp");
    expect(client.of("update", "replicasets").map((a) => (a.body as ReplicaSet).spec!.replicas)).toEqual([0]);
    expect(client.of("create", "replicasets")).toEqual([]);
    expect(recorder.events).toEqual(["Normal ScalingReplicaSet Scaled down replica set myapp-old from 6 to 0"]);
  });

  it("Recreate brings the new set up at full size once old pods are gone", async () => {
    const old = replicaSet("old", "nginx", 0, 0, 1, NOW - 100_000);
    old.status = { replicas: 0, observedGeneration: 1 };
    const { client, recorder, controller } = fixture(deployment("nginx:1.24.0", { strategy: { type: "Recreate" } }), [old]);
    await controller.sync("default/myapp");
    const created = client.of("create", "replicasets")[0].body as ReplicaSet;
    expect(created.spec!.replicas).toBe(6);
    expect(recorder.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set ${created.metadata.name} from 0 to 6`]);
  });

  it("scales proportionally while paused", async () => {
    const old = replicaSet("old", "nginx", 5, 5, 1, NOW - 100_000);
    const mid = replicaSet("new", "nginx:1.24.0", 3, 0, 2, NOW - 10_000);
    const d = deployment("nginx:1.24.0", { replicas: 12, paused: true }, { "deployment.kubernetes.io/revision": "2" });
    const { client, controller } = fixture(d, [old, mid]);
    await controller.sync("default/myapp");
    const sizes = Object.fromEntries(client.of("update", "replicasets").map((a) => [a.name, (a.body as ReplicaSet).spec!.replicas]));
    // 12 + 3 surge = 15 allowed; 8 running sets grow by 7 in proportion 5:3.
    expect(sizes["myapp-old"]! + sizes["myapp-new"]!).toBe(15);
    expect(sizes["myapp-old"]).toBe(9);
    expect(client.of("create", "replicasets")).toEqual([]);
  });

  it("deletes the oldest empty sets beyond revisionHistoryLimit once complete", async () => {
    const sets = [1, 2, 3].map((i) => replicaSet(`r${i}`, `nginx:${i}`, 0, 0, i, NOW - 100_000 + i));
    for (const s of sets) s.status = { replicas: 0, observedGeneration: 1 };
    const current = replicaSet("cur", "nginx", 6, 6, 4, NOW);
    const d = deployment("nginx", { revisionHistoryLimit: 1 }, { "deployment.kubernetes.io/revision": "4" });
    d.status = { observedGeneration: 1, replicas: 6, updatedReplicas: 6, availableReplicas: 6 };
    const { client, controller } = fixture(d, [...sets, current]);
    await controller.sync("default/myapp");
    expect(client.of("delete", "replicasets").map((a) => a.name)).toEqual(["myapp-r1", "myapp-r2"]);
  });
});
