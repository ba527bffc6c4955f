import { describe, expect, it } from "vitest";
import type { ControllerRevision, Pod, StatefulSet } from "@kates/api";
import { FakeClock, noopLogger } from "@kates/client";
import { StatefulSetController } from "./statefulset-controller.js";
import { newStatefulPod, revisionOf } from "./statefulset-utils.js";
import { newRevision } from "../shared/history.js";
import { FakeObjectClient, FakeRecorder, statefulSetFixture, store } from "../job/testing.js";

const sts = statefulSetFixture;
const numbered = (set: StatefulSet, n: number): ControllerRevision => newRevision(set, "StatefulSet", n);

describe("StatefulSetController revisions", () => {
  function setup(set: StatefulSet, revisions: ControllerRevision[], pods: Pod[] = []) {
    const client = new FakeObjectClient();
    const c = new StatefulSetController({
      statefulsets: store(set), pods: store(...pods), pvcs: store(), revisions: store(...revisions), client, recorder: new FakeRecorder(), log: noopLogger, clock: new FakeClock(Date.now()),
    });
    return { c, client };
  }

  it("records the first template as revision 1 before creating pods", async () => {
    const { c, client } = setup(sts(), []);
    await c.syncStatefulSet("default/web");
    expect(client.summary().slice(0, 2)).toEqual(["create controllerrevisions", "create pods"]);
    expect(client.actions[0].obj).toMatchObject({ metadata: { name: revisionOf(sts()) }, revision: 1 });
    expect((client.last("updateStatus", "statefulsets") as StatefulSet).status).toMatchObject({ currentRevision: revisionOf(sts()), updateRevision: revisionOf(sts()) });
  });

  it("renumbers the old revision when the template goes back to it", async () => {
    const { c, client } = setup(sts("nginx:1"), [numbered(sts("nginx:1"), 1), numbered(sts("nginx:2"), 2)]);
    await c.syncStatefulSet("default/web");
    const update = client.actions.find((a) => a.resource === "controllerrevisions");
    expect(update).toMatchObject({ verb: "update", name: revisionOf(sts("nginx:1")), obj: { revision: 3 } });
  });

  it("trims unused revisions beyond the limit after a sync", async () => {
    const set = sts("nginx:3", { revisionHistoryLimit: 1, replicas: 0 });
    const { c, client } = setup(set, [1, 2, 3].map((n) => numbered(sts(`nginx:${n}`), n)));
    await c.syncStatefulSet("default/web");
    expect(client.summary().filter((s) => s.includes("controllerrevisions"))).toEqual([`delete controllerrevisions ${revisionOf(sts("nginx:1"))}`]);
  });

  it("keeps the revisions a pod or the status still names, whatever the limit", async () => {
    const history = [1, 2, 3, 4].map((n) => numbered(sts(`nginx:${n}`), n));
    const onFirst = newStatefulPod(sts("nginx:1"), 0);
    onFirst.metadata.ownerReferences![0].uid = "sts-uid";
    const set = sts("nginx:4", { revisionHistoryLimit: 0 }, { replicas: 1, currentRevision: revisionOf(sts("nginx:3")) });
    const { c, client } = setup(set, history, [onFirst]);
    await c.syncStatefulSet("default/web");
    expect(client.summary().filter((s) => s.includes("controllerrevisions"))).toEqual([`delete controllerrevisions ${revisionOf(sts("nginx:2"))}`]);
  });

  it("recreates a pod below the partition from the current revision's template", async () => {
    const old = sts("nginx:1");
    const set = sts("nginx:2", { replicas: 2, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } }, { replicas: 1, currentRevision: revisionOf(old) });
    const ready = newStatefulPod(old, 1);
    ready.metadata.ownerReferences![0].uid = "sts-uid";
    ready.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
    const { c, client } = setup(set, [numbered(old, 1), numbered(set, 2)], [ready]);
    await c.syncStatefulSet("default/web");
    const created = client.last("create", "pods") as Pod;
    expect(created.metadata.name).toBe("web-0");
    expect(created.spec!.containers[0].image).toBe("nginx:1");
    expect(created.metadata.labels!["controller-revision-hash"]).toBe(revisionOf(old));
  });
});
