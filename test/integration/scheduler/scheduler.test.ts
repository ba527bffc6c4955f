/**
 * The scheduler against a real apiserver and etcd, with hollow nodes (packages/kubelet):
 * placement by resources, spread, nodeSelector, taints, FailedScheduling and retry when a
 * node joins, and leader hand-over between two scheduler processes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Event, type Namespace, type Pod, type ReplicaSet } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { boundNode, eventually, eventsFor, pod, podsRI, TestNodes } from "./fixtures.js";
import { startScheduler, type StartedScheduler } from "./scheduler-process.js";

let cp: ControlPlane;
let rest: RestClient;
let nodes: TestNodes;
const schedulers: StartedScheduler[] = [];
let nsSeq = 0;

async function namespace(): Promise<string> {
  const name = `sched-${++nsSeq}`;
  await rest.resource<Namespace>(findResource("", "v1", "namespaces")!).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

const create = (ns: string, p: Pod) => rest.resource<Pod>(podsRI, ns).create(p);

beforeAll(async () => {
  cp = await startControlPlane({ name: "scheduler-it", apiserver: { extraArgs: ["--log-level=warn"] } });
  rest = new RestClient({ server: cp.url, qps: 0 });
  nodes = new TestNodes(rest);
});

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  await nodes.cleanup();
});

afterAll(async () => {
  rest?.close();
  await cp?.stop();
});

describe("kates-scheduler", () => {
  it("places a pod that needs more cpu than the small node has on the big node", async () => {
    schedulers.push(await startScheduler(cp.url, ["--no-leader-elect"]));
    await nodes.add(["small-0"], { cpu: "1" });
    await nodes.add(["big-0"], { cpu: "4" });
    const ns = await namespace();
    await create(ns, pod("needs-2", { cpu: "2" }));
    expect(await boundNode(rest, ns, "needs-2")).toBe("big-0");
    const scheduled = await eventually(async () => (await eventsFor(rest, ns, "needs-2")).find((e) => e.reason === "Scheduled"), 10_000, "Scheduled event");
    expect(scheduled.message).toBe(`Successfully assigned ${ns}/needs-2 to big-0`);
    expect(scheduled.source?.component).toBe("default-scheduler");
  });

  it("spreads a ReplicaSet's pods across nodes, nodeSelector picks the labeled node", async () => {
    schedulers.push(await startScheduler(cp.url, ["--no-leader-elect"]));
    await nodes.add(["spread-0", "spread-1", "spread-2"]);
    await nodes.patch("spread-1", { metadata: { labels: { disk: "ssd" } } });
    const ns = await namespace();
    const rs = await rest.resource<ReplicaSet>(findResource("apps", "v1", "replicasets")!, ns).create({
      apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web" },
      spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    await Promise.all(Array.from({ length: 6 }, (_, i) => create(ns, pod(`web-${i}`, { owner: { name: "web", uid: rs.metadata.uid! } }))));
    const placed = await Promise.all(Array.from({ length: 6 }, (_, i) => boundNode(rest, ns, `web-${i}`)));
    const counts = placed.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
    expect([...counts.values()].sort()).toEqual([2, 2, 2]);

    await create(ns, pod("ssd-only", { nodeSelector: { disk: "ssd" } }));
    expect(await boundNode(rest, ns, "ssd-only")).toBe("spread-1");
  });

  it("keeps pods off tainted nodes unless they tolerate the taint", async () => {
    schedulers.push(await startScheduler(cp.url, ["--no-leader-elect"]));
    await nodes.add(["taint-0", "taint-1", "taint-2"]);
    for (const n of ["taint-0", "taint-1"]) await nodes.patch(n, { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } });
    const ns = await namespace();
    await Promise.all([0, 1, 2, 3].map((i) => create(ns, pod(`plain-${i}`))));
    for (const i of [0, 1, 2, 3]) expect(await boundNode(rest, ns, `plain-${i}`)).toBe("taint-2");
    await create(ns, pod("db", {
      nodeSelector: { "kubernetes.io/hostname": "taint-0" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
    }));
    expect(await boundNode(rest, ns, "db")).toBe("taint-0");
  });

  it("reports FailedScheduling like Kubernetes and places the pod once a fitting node joins", async () => {
    schedulers.push(await startScheduler(cp.url, ["--no-leader-elect"]));
    await nodes.add(["fit-0", "fit-1", "fit-2"], { cpu: "2" });
    // As the node lifecycle controller taints a dead node. Pods get a default toleration for
    // the NoExecute one (tolerationSeconds), so the NoSchedule one is what keeps them off.
    await nodes.patch("fit-2", { spec: { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }] } });
    const ns = await namespace();
    await create(ns, pod("huge", { cpu: "3" }));
    const expected =
      "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. " +
      "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    // The scheduler's node and pod watches are not ordered with each other, so a first attempt
    // may predate the taint; the retry the node update triggers must carry the full message.
    const failed: Event = await eventually(async () => (await eventsFor(rest, ns, "huge")).find((e) => e.reason === "FailedScheduling" && e.message === expected), 10_000, "FailedScheduling");
    expect(failed.type).toBe("Warning");
    const cond = await eventually(async () => (await rest.resource<Pod>(podsRI, ns).get("huge")).status?.conditions?.find((c) => c.type === "PodScheduled"), 10_000, "PodScheduled condition");
    expect(cond).toMatchObject({ status: "False", reason: "Unschedulable", message: expected });

    await nodes.add(["fit-big"], { cpu: "8" });
    expect(await boundNode(rest, ns, "huge", 10_000)).toBe("fit-big");
  });

  it("hands over to the standby when the leader dies, binding nothing twice", async () => {
    const a = await startScheduler(cp.url);
    const b = await startScheduler(cp.url);
    schedulers.push(a, b);
    await nodes.add(["le-0", "le-1", "le-2"]);
    const leader = await eventually(async () => {
      const roles = await Promise.all([a.role(), b.role()]);
      return roles.includes("leader") ? (roles[0] === "leader" ? a : b) : undefined;
    }, 15_000, "a leader");
    const standby = leader === a ? b : a;
    expect(await standby.role()).toBe("standby");

    const ns = await namespace();
    const seen = new Map<string, string[]>();
    const ac = new AbortController();
    const watching = (async () => {
      for await (const ev of rest.resource<Pod>(podsRI, ns).watch({ signal: ac.signal })) {
        if (ev.type === "ERROR") continue;
        const p = ev.object as Pod;
        const node = p.spec?.nodeName;
        if (!node) continue;
        const history = seen.get(p.metadata.name!) ?? [];
        if (history.at(-1) !== node) history.push(node);
        seen.set(p.metadata.name!, history);
      }
    })();
    await Promise.all(Array.from({ length: 20 }, (_, i) => create(ns, pod(`before-${i}`))));
    for (let i = 0; i < 20; i++) await boundNode(rest, ns, `before-${i}`);

    await leader.kill();
    await Promise.all(Array.from({ length: 20 }, (_, i) => create(ns, pod(`after-${i}`))));
    const start = Date.now();
    for (let i = 0; i < 20; i++) await boundNode(rest, ns, `after-${i}`, 20_000);
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(await standby.role()).toBe("leader");

    ac.abort();
    await watching.catch(() => undefined);
    expect(seen.size).toBe(40);
    for (const [name, history] of seen) expect(history, name).toHaveLength(1);
    const events = (await rest.resource<Event>(findResource("", "v1", "events")!, ns).list()).items.filter((e) => e.reason === "Scheduled");
    const perPod = events.reduce((m, e) => m.set(e.involvedObject?.name ?? "", (m.get(e.involvedObject?.name ?? "") ?? 0) + (e.count ?? 1)), new Map<string, number>());
    for (const [name, n] of perPod) expect(n, name).toBe(1);
  });
});
