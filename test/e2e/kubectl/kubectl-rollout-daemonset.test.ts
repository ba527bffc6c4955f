// `kubectl rollout history` and `kubectl rollout undo` for a DaemonSet with the real kubectl:
// both read the apps/v1 ControllerRevisions the DaemonSet controller keeps. The harness
// (rollout-helpers.ts) runs the daemonset controller alone and registers no node, so no pod
// is wanted; the test asserts on specs and revisions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok } from "./helpers.js";
import { historyRows, startRolloutPlane, until, type RolloutPlane } from "./rollout-helpers.js";

let plane: RolloutPlane;
const k = (...args: string[]) => plane.k(...args);
const revisions = () => plane.revisions("app=agent");

const manifest = JSON.stringify({
  apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" },
  spec: {
    selector: { matchLabels: { app: "agent" } },
    template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "agent", image: "busybox:1.36" }] } },
  },
});

const image = async () => ok(await k("get", "daemonset", "agent", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));

beforeAll(async () => {
  plane = await startRolloutPlane("kubectl-rollout-ds", "daemonset");
});

afterAll(async () => {
  await plane?.stop();
});

describe("kubectl rollout history/undo daemonset", () => {
  it("lists revisions 1 and 2 after an image change, and undo restores the first template as revision 3", async () => {
    expect(ok(await plane.apply(manifest)).trim()).toBe("daemonset.apps/agent created");
    const [[first]] = await until("revision 1", async () => {
      const r = await revisions();
      return r.length === 1 && r[0]![1] === 1 && r;
    });
    expect(first).toMatch(/^agent-[0-9a-f]+$/);
    const rev = JSON.parse(ok(await k("get", "controllerrevision", first, "-o", "json")));
    expect(rev.metadata.ownerReferences).toMatchObject([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", controller: true }]);
    expect(rev.metadata.labels["controller.kubernetes.io/hash"]).toBe(first.slice("agent-".length));

    expect(ok(await k("set", "image", "daemonset/agent", "agent=busybox:1.37")).trim()).toBe("daemonset.apps/agent image updated");
    const two = await until("revision 2", async () => {
      const r = await revisions();
      return r.length === 2 && r;
    });
    expect(two.map(([, n]) => n)).toEqual([1, 2]);
    expect(two[0]![0]).toBe(first);
    const history = historyRows(ok(await k("rollout", "history", "daemonset/agent")));
    expect(history).toEqual([["daemonset.apps/agent"], ["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]]);
    expect(ok(await k("rollout", "history", "daemonset/agent", "--revision=1"))).toContain("busybox:1.36");

    expect(ok(await k("rollout", "undo", "daemonset/agent")).trim()).toBe("daemonset.apps/agent rolled back");
    expect(await image()).toBe("busybox:1.36");
    // Kubernetes reuses the first revision and renumbers it, so history reads 2, 3.
    const after = await until("the first revision renumbered to 3", async () => {
      const r = await revisions();
      return r.length === 2 && r[1]![1] === 3 && r;
    });
    expect(after).toEqual([[two[1]![0], 2], [first, 3]]);
    const history2 = historyRows(ok(await k("rollout", "history", "daemonset/agent")));
    expect(history2.slice(2)).toEqual([["2", "<none>"], ["3", "<none>"]]);
    const table = ok(await k("get", "controllerrevisions")).trim().split("\n").map((l) => l.trim().split(/\s+/).slice(0, 3));
    expect(table.slice(1).sort((a, b) => a[2]!.localeCompare(b[2]!))).toEqual([[two[1]![0], "daemonset.apps/agent", "2"], [first, "daemonset.apps/agent", "3"]]);
  });
});
