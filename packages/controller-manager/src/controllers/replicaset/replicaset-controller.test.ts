import { describe, expect, it } from "vitest";
import type { Pod, ReplicaSet } from "@kates/api";
import { FakeClient, FakeInformer, FakeRecorder } from "../shared/fake-client.js";
import { ReplicaSetController } from "./replicaset-controller.js";
import { REPLICASET_KIND } from "./replicaset-descriptor.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function rs(replicas: number, extra: Partial<ReplicaSet["spec"]> = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "default", uid: "rs-uid", generation: 2, resourceVersion: "5" },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } }, ...extra },
    status: { replicas: 0 },
  };
}

function pod(name: string, opts: { owned?: boolean; labels?: Record<string, string>; node?: string; ready?: boolean; readySince?: number; created?: number } = {}): Pod {
  const owned = opts.owned ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1",
      labels: opts.labels ?? { app: "web" },
      creationTimestamp: iso(opts.created ?? NOW - 60_000),
      ownerReferences: owned ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true }] : undefined,
    },
    spec: { nodeName: opts.node, containers: [{ name: "c", image: "nginx" }] },
    status: {
      phase: opts.ready ? "Running" : "Pending",
      conditions: opts.ready ? [{ type: "Ready", status: "True", lastTransitionTime: iso(opts.readySince ?? NOW - 30_000) }] : [],
    },
  };
}

function fixture(set: ReplicaSet, pods: Pod[] = []) {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const owners = new FakeInformer<ReplicaSet>().add(set);
  const podInformer = new FakeInformer<Pod>().add(...pods);
  const controller = new ReplicaSetController({ kind: REPLICASET_KIND, owners, pods: podInformer, clientFor: client.clientFor, recorder, now: () => NOW });
  return { client, recorder, controller, podInformer };
}

describe("ReplicaSetController.sync", () => {
  it("creates missing pods from the template with a controller reference, once", async () => {
    const { client, recorder, controller } = fixture(rs(3));
    await controller.sync("default/web");
    const creates = client.of("create", "pods");
    expect(creates).toHaveLength(3);
    const body = creates[0].body as Pod;
    expect(body.metadata.generateName).toBe("web-");
    expect(body.metadata.labels).toEqual({ app: "web" });
    expect(body.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true, blockOwnerDeletion: true }]);
    expect(recorder.events.filter((e) => e.startsWith("Normal SuccessfulCreate Created pod: web-"))).toHaveLength(3);
    // The cache has not caught up yet: a second sync must not create again.
    await controller.sync("default/web");
    expect(client.of("create", "pods")).toHaveLength(3);
  });

  it("stops after the first failed batch and reports ReplicaFailure", async () => {
    const { client, controller } = fixture(rs(10));
    client.failures.set("create pods", new Error("quota exceeded"));
    await expect(controller.sync("default/web")).rejects.toThrow("quota exceeded");
    expect(client.of("create", "pods")).toHaveLength(1);
    const status = client.of("updateStatus", "replicasets")[0].body as ReplicaSet;
    expect(status.status?.conditions?.[0]).toMatchObject({ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota exceeded" });
    // The unattempted creations were forgotten, so the retry may try again.
    expect(controller.expectations.satisfied("default/web")).toBe(true);
  });

  it("deletes surplus pods: unscheduled, then not ready, then the newest", async () => {
    const pods = [
      pod("ready-old", { node: "n1", ready: true, created: NOW - 90_000 }),
      pod("ready-new", { node: "n2", ready: true, created: NOW - 10_000, readySince: NOW - 5_000 }),
      pod("pending", { node: "n3" }),
      pod("unscheduled"),
    ];
    const { client, recorder, controller } = fixture(rs(1), pods);
    await controller.sync("default/web");
    expect(client.of("delete", "pods").map((a) => a.name)).toEqual(["unscheduled", "pending", "ready-new"]);
    expect(recorder.events).toContain("Normal SuccessfulDelete Deleted pod: unscheduled");
  });

  it("adopts a matching orphan and releases an owned pod that stopped matching", async () => {
    const orphan = pod("handmade", { owned: false, ready: true, node: "n1" });
    const stray = pod("relabelled", { labels: { app: "other" }, node: "n1", ready: true });
    const { client, controller } = fixture(rs(1), [orphan, stray]);
    await controller.sync("default/web");
    const patches = client.of("patch", "pods");
    expect(patches.map((p) => p.name).sort()).toEqual(["handmade", "relabelled"]);
    const adopt = patches.find((p) => p.name === "handmade")!.body as { metadata: Pod["metadata"] };
    expect(adopt.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ReplicaSet", uid: "rs-uid", controller: true, blockOwnerDeletion: true })]);
    expect(adopt.metadata.uid).toBe("uid-handmade");
    const release = patches.find((p) => p.name === "relabelled")!.body as { metadata: { ownerReferences: unknown } };
    expect(release.metadata.ownerReferences).toBeNull();
    // The adopted pod fills the one replica: nothing is created.
    expect(client.of("create", "pods")).toHaveLength(0);
  });

  it("reports ready and available replicas, honouring minReadySeconds", async () => {
    const pods = [
      pod("a", { node: "n1", ready: true, readySince: NOW - 60_000 }),
      pod("b", { node: "n1", ready: true, readySince: NOW - 2_000 }),
      pod("c", { node: "n1" }),
    ];
    const { client, controller } = fixture(rs(3, { minReadySeconds: 10 }), pods);
    await controller.sync("default/web");
    const status = (client.of("updateStatus", "replicasets")[0].body as ReplicaSet).status;
    expect(status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
  });

  it("writes no status when nothing changed", async () => {
    const set = rs(1);
    set.status = { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 };
    const { client, controller } = fixture(set, [pod("a", { node: "n1", ready: true })]);
    await controller.sync("default/web");
    expect(client.actions).toEqual([]);
  });
});
