// `kubectl rollout history` and `kubectl rollout undo` for a StatefulSet with the real kubectl:
// both read the apps/v1 ControllerRevisions the StatefulSet controller keeps. The lightest
// harness that has them (rollout-helpers.ts) runs the statefulset controller alone, so web-0
// stays Pending; the test asserts on specs and revisions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok } from "./helpers.js";
import { historyRows, startRolloutPlane, until, type RolloutPlane } from "./rollout-helpers.js";

let plane: RolloutPlane;
const k = (...args: string[]) => plane.k(...args);

const manifest = JSON.stringify({
  apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web" },
  spec: {
    replicas: 1, serviceName: "nginx", selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.24" }] } },
  },
});

const revisions = () => plane.revisions("app=web");

const image = async () => ok(await k("get", "statefulset", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));

beforeAll(async () => {
  plane = await startRolloutPlane("kubectl-rollout-sts", "statefulset");
});

afterAll(async () => {
  await plane?.stop();
});

describe("kubectl rollout history/undo statefulset", () => {
  it("lists revisions 1 and 2 after an image change, and undo restores the first template as revision 3", async () => {
    expect(ok(await plane.apply(manifest)).trim()).toBe("statefulset.apps/web created");
    const [[first]] = await until("revision 1", async () => {
      const r = await revisions();
      return r.length === 1 && r[0]![1] === 1 && r;
    });
    expect(first).toMatch(/^web-[0-9a-f]+$/);

    expect(ok(await k("set", "image", "statefulset/web", "nginx=nginx:1.25")).trim()).toBe("statefulset.apps/web image updated");
    const two = await until("revision 2", async () => {
      const r = await revisions();
      return r.length === 2 && r;
    });
    expect(two.map(([, n]) => n)).toEqual([1, 2]);
    expect(two[0]![0]).toBe(first);
    const history = historyRows(ok(await k("rollout", "history", "statefulset/web")));
    expect(history).toEqual([["statefulset.apps/web"], ["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]]);
    expect(ok(await k("rollout", "history", "statefulset/web", "--revision=2"))).toContain("nginx:1.25");

    expect(ok(await k("rollout", "undo", "statefulset/web")).trim()).toBe("statefulset.apps/web rolled back");
    expect(await image()).toBe("nginx:1.24");
    // Kubernetes reuses the first revision and renumbers it, so history reads 2, 3.
    const after = await until("the first revision renumbered to 3", async () => {
      const r = await revisions();
      return r.length === 2 && r[1]![1] === 3 && r;
    });
    expect(after).toEqual([[two[1]![0], 2], [first, 3]]);
    const sts = JSON.parse(ok(await k("get", "statefulset", "web", "-o", "json")));
    await until("status.updateRevision to follow", async () => {
      const s = JSON.parse(ok(await k("get", "statefulset", "web", "-o", "json")));
      return s.status?.updateRevision === first;
    });
    expect(sts.metadata.generation).toBe(3);
    const table = ok(await k("get", "controllerrevisions")).trim().split("\n").map((l) => l.trim().split(/\s+/).slice(0, 3));
    expect(table).toEqual([["NAME", "CONTROLLER", "REVISION"], [two[1]![0], "statefulset.apps/web", "2"], [first, "statefulset.apps/web", "3"]].sort((a, b) => (a[0] === "NAME" ? -1 : b[0] === "NAME" ? 1 : a[0]!.localeCompare(b[0]!))));
    // Undoing again goes back to nginx:1.25, now revision 4.
    ok(await k("rollout", "undo", "statefulset/web"));
    expect(await image()).toBe("nginx:1.25");
    await until("the second revision renumbered to 4", async () => {
      const r = await revisions();
      return r.length === 2 && r[0]![0] === first && r[0]![1] === 3 && r[1]![0] === two[1]![0] && r[1]![1] === 4;
    });
  });
});
