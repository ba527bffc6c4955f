import { describe, expect, it } from "vitest";
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from "@kates/api";
import { FakeClock, noopLogger } from "@kates/client";
import { StatefulSetController } from "./statefulset-controller.js";
import { newStatefulPod, revisionOf } from "./statefulset-utils.js";
import { newRevision as newKindRevision } from "../shared/history.js";
import { FakeObjectClient, FakeRecorder, store } from "../job/testing.js";

const newRevision = (set: StatefulSet, n: number) => newKindRevision(set, "StatefulSet", n);

function sts(spec: Partial<NonNullable<StatefulSet["spec"]>> = {}, image = "nginx:1"): StatefulSet {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", uid: "sts-uid", generation: 1 },
    spec: {
      replicas: 2, serviceName: "nginx", podManagementPolicy: "OrderedReady",
      selector: { matchLabels: { app: "nginx" } },
      template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image }] } },
      volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      ...spec,
    },
  };
}

/** A pod as the controller would have created it, in the given state. */
function pod(set: StatefulSet, ordinal: number, state: "ready" | "pending" | "failed" = "ready"): Pod {
  const p = newStatefulPod(set, ordinal);
  p.metadata.ownerReferences![0].uid = "sts-uid";
  p.status = state === "failed" ? { phase: "Failed" } : { phase: state === "ready" ? "Running" : "Pending", conditions: [{ type: "Ready", status: state === "ready" ? "True" : "False" }] };
  return p;
}

const claim = (name: string): PersistentVolumeClaim => ({ metadata: { name, namespace: "default" }, spec: {} });

/** The set's own revision is recorded by default, so these tests see only pod and claim writes. */
function setup(set: StatefulSet, pods: Pod[] = [], pvcs: PersistentVolumeClaim[] = [], revisions: ControllerRevision[] = [newRevision(set, 1)]) {
  const client = new FakeObjectClient();
  const recorder = new FakeRecorder();
  const c = new StatefulSetController({
    statefulsets: store(set), pods: store(...pods), pvcs: store(...pvcs), revisions: store(...revisions), client, recorder, log: noopLogger, clock: new FakeClock(Date.now()),
  });
  return { c, client, recorder };
}

describe("StatefulSetController", () => {
  it("creates web-0 with its claim, stable hostname and labels, and nothing else yet", async () => {
    const { c, client, recorder } = setup(sts());
    await c.syncStatefulSet("default/web");
    expect(client.summary()).toEqual(["create persistentvolumeclaims", "create pods", "updateStatus statefulsets web"]);
    const pvc = client.actions[0].obj as PersistentVolumeClaim;
    expect(pvc.metadata.name).toBe("www-web-0");
    expect(pvc.metadata.labels).toEqual({ app: "nginx" });
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    const p = client.actions[1].obj as Pod;
    expect(p.metadata.name).toBe("web-0");
    expect(p.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "web-0", "apps.kubernetes.io/pod-index": "0", "controller-revision-hash": revisionOf(sts()) });
    expect(p.spec).toMatchObject({ hostname: "web-0", subdomain: "nginx" });
    expect(p.spec?.volumes).toEqual([{ name: "www", persistentVolumeClaim: { claimName: "www-web-0" } }]);
    expect(recorder.events).toContain("Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful");
  });

  it("waits for web-0 to be Running and Ready before creating web-1 (OrderedReady)", async () => {
    const set = sts();
    const waiting = setup(set, [pod(set, 0, "pending")], [claim("www-web-0")]);
    await waiting.c.syncStatefulSet("default/web");
    expect(waiting.client.summary().filter((s) => s.startsWith("create"))).toEqual([]);
    const ready = setup(set, [pod(set, 0)], [claim("www-web-0")]);
    await ready.c.syncStatefulSet("default/web");
    expect(ready.client.actions.filter((a) => a.verb === "create").map((a) => a.name)).toEqual(["www-web-1", "web-1"]);
  });

  it("creates all pods at once with Parallel", async () => {
    const { c, client } = setup(sts({ podManagementPolicy: "Parallel", replicas: 3 }));
    await c.syncStatefulSet("default/web");
    expect(client.actions.filter((a) => a.resource === "pods").map((a) => a.name)).toEqual(["web-0", "web-1", "web-2"]);
  });

  it("reuses an existing claim when recreating a deleted pod, and replaces failed pods", async () => {
    const set = sts({ replicas: 1 });
    const { c, client } = setup(set, [], [claim("www-web-0")]);
    await c.syncStatefulSet("default/web");
    expect(client.summary()).toEqual(["create pods", "updateStatus statefulsets web"]);
    const failed = setup(set, [pod(set, 0, "failed")], [claim("www-web-0")]);
    await failed.c.syncStatefulSet("default/web");
    expect(failed.client.summary()[0]).toBe("delete pods web-0");
  });

  it("scales down from the highest ordinal, one at a time, keeping claims", async () => {
    const set = sts({ replicas: 1 });
    const big = sts({ replicas: 3 });
    const { c, client, recorder } = setup(set, [pod(big, 0), pod(big, 1), pod(big, 2)], [claim("www-web-0"), claim("www-web-1"), claim("www-web-2")]);
    await c.syncStatefulSet("default/web");
    expect(client.summary().filter((s) => s.startsWith("delete"))).toEqual(["delete pods web-2"]);
    expect(recorder.events).toContain("Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful");
  });

  it("rolls out a new template from the highest ordinal down to the partition", async () => {
    const old = sts({ replicas: 3 });
    const next = sts({ replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } }, "nginx:2");
    const claims = [claim("www-web-0"), claim("www-web-1"), claim("www-web-2")];
    const first = setup(next, [pod(old, 0), pod(old, 1), pod(old, 2)], claims);
    await first.c.syncStatefulSet("default/web");
    expect(first.client.summary().filter((s) => s.startsWith("delete"))).toEqual(["delete pods web-2"]);
    const second = setup(next, [pod(old, 0), pod(old, 1), pod(next, 2)], claims);
    await second.c.syncStatefulSet("default/web");
    expect(second.client.summary().filter((s) => s.startsWith("delete"))).toEqual(["delete pods web-1"]);
    const done = setup(next, [pod(old, 0), pod(next, 1), pod(next, 2)], claims);
    await done.c.syncStatefulSet("default/web");
    expect(done.client.summary().filter((s) => s.startsWith("delete"))).toEqual([]); // web-0 is below the partition
    const st = (done.client.last("updateStatus", "statefulsets") as StatefulSet).status!;
    expect(st).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 2, updateRevision: revisionOf(next) });
  });

  it("reports the update revision as current once every pod runs it", async () => {
    const set = sts({ replicas: 2 });
    const { c, client } = setup(set, [pod(set, 0), pod(set, 1)], [claim("www-web-0"), claim("www-web-1")]);
    await c.syncStatefulSet("default/web");
    expect((client.last("updateStatus", "statefulsets") as StatefulSet).status).toMatchObject({
      replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: revisionOf(set), updateRevision: revisionOf(set), observedGeneration: 1,
    });
  });
});
