// Node IPAM and node lifecycle against the real apiserver and etcd with hollow nodes: unique
// podCIDRs that survive a controller-manager restart, and a node whose kubelet dies going
// Unknown + tainted, its pods evicted after their tolerations and replaced elsewhere by
// their ReplicaSet within 10 s (lab timings: lease renew 1 s, grace 4 s, tolerations 2 s).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type KObject, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl } from "../../harness/kubectl.js";
import { startHollowNodes } from "../../../packages/kubelet/src/index.js";
import { run as runScheduler } from "../../../packages/scheduler/src/scheduler.js";
import { gone, startControllerManager, until, type InProcessControllerManager } from "./cluster.js";

let cp: ControlPlane;
let rest: RestClient;
let cm: InProcessControllerManager;
const stops: (() => Promise<void>)[] = [];
const nodes = () => rest.resource<Node>(findResource("", "v1", "nodes")!);
const pods = (ns = "default") => rest.resource<Pod>(findResource("", "v1", "pods")!, ns);
const UNREACHABLE = "node.kubernetes.io/unreachable";

function hollow(names: string[]): { stop: () => Promise<void> } {
  const ac = new AbortController();
  const started = startHollowNodes({ server: cp.url, nodeNames: names, signal: ac.signal });
  const stop = async () => {
    ac.abort();
    await (await started.catch(() => undefined))?.done;
  };
  stops.push(stop);
  return { stop };
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-nodes", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-nodes-test" });
  cm = startControllerManager(cp.url, ["nodeipam", "nodelifecycle", "replicaset", "garbagecollector"]);
  const ac = new AbortController();
  const sched = runScheduler(
    { server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false, leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000, parallelism: 16, percentageOfNodesToScore: 0, qps: 0, burst: 0 },
    newLogger("kates-scheduler", process.env.KATES_TEST_LOG ?? "silent"),
    ac.signal,
  ).catch(() => undefined);
  stops.push(async () => {
    ac.abort();
    await sched;
  });
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await cm?.stop();
  rest?.close();
  await cp?.stop();
});

const podCIDRs = async () => Object.fromEntries((await nodes().list()).items.map((n) => [n.metadata.name!, n.spec?.podCIDR]));

describe("node IPAM", () => {
  it("gives every node its own podCIDR, also after a controller-manager restart", async () => {
    await Promise.all(Array.from({ length: 6 }, (_, i) => nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: `ipam-${i}` } })));
    const first = await until(async () => {
      const m = await podCIDRs();
      return Object.keys(m).filter((n) => n.startsWith("ipam-")).every((n) => m[n]) ? m : undefined;
    }, 10_000, "podCIDRs assigned");
    const cidrs = Object.entries(first).filter(([n]) => n.startsWith("ipam-")).map(([, c]) => c!);
    expect(new Set(cidrs).size).toBe(6);
    for (const c of cidrs) expect(c).toMatch(/^10\.244\.\d+\.0\/24$/);
    const node = await nodes().get("ipam-0");
    expect(node.spec?.podCIDRs).toEqual([node.spec?.podCIDR]);

    // A new controller-manager rebuilds its allocations from the Nodes: no block twice.
    await cm.stop();
    cm = startControllerManager(cp.url, ["nodeipam", "nodelifecycle", "replicaset", "garbagecollector"]);
    await nodes().delete("ipam-2");
    await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: "ipam-new-a" } });
    await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: "ipam-new-b" } });
    const after = await until(async () => {
      const m = await podCIDRs();
      return m["ipam-new-a"] && m["ipam-new-b"] ? m : undefined;
    }, 10_000, "new podCIDRs");
    const all = Object.entries(after).filter(([n]) => n.startsWith("ipam-")).map(([, c]) => c);
    expect(new Set(all).size).toBe(all.length);
    // The freed block of ipam-2 is the first free one again.
    expect([after["ipam-new-a"], after["ipam-new-b"]]).toContain(first["ipam-2"]);
    for (const n of Object.keys(after).filter((x) => x.startsWith("ipam-"))) await nodes().delete(n);
  });
});

describe("node lifecycle", () => {
  it("a node whose kubelet dies goes Unknown and tainted; its pods are replaced elsewhere within 10 s", async () => {
    hollow(["live-0", "live-1"]);
    const dead = hollow(["doomed-0"]);
    await until(async () => ((await nodes().list()).items.filter((n) => /^(live|doomed)-/.test(n.metadata.name!)).length === 3 ? true : undefined), 15_000, "three nodes");
    // Pods pinned to the doomed node with different tolerations of the unreachable taint.
    const pinned = (name: string, tolerations: NonNullable<Pod["spec"]>["tolerations"]): Pod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { nodeName: "doomed-0", tolerations, containers: [{ name: "c", image: "busybox" }] },
    });
    await pods().create(pinned("stays", [{ key: UNREACHABLE, operator: "Exists", effect: "NoExecute" }]));
    await pods().create(pinned("tolerates-6s", [{ key: UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 6 }]));
    const rsClient = rest.resource<KObject>(findResource("apps", "v1", "replicasets")!, "default");
    await rsClient.create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web" },
      spec: { replicas: 6, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    const running = async () => (await pods().list({ labelSelector: "app=web" })).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running");
    const before = await until(async () => {
      const r = await running();
      return r.length === 6 && r.some((p) => p.spec?.nodeName === "doomed-0") ? r : undefined;
    }, 20_000, "6 web pods running, some on doomed-0");
    const onDoomed = before.filter((p) => p.spec?.nodeName === "doomed-0").map((p) => p.metadata.name);

    const killedAt = Date.now();
    await dead.stop();
    const replaced = await until(async () => {
      const r = await running();
      return r.length === 6 && r.every((p) => p.spec?.nodeName !== "doomed-0") ? r : undefined;
    }, 20_000, "replacements running elsewhere");
    const elapsed = Date.now() - killedAt;
    expect(replaced.map((p) => p.metadata.name)).not.toContain(onDoomed[0]);
    expect(elapsed).toBeLessThan(10_000);

    const node = await nodes().get("doomed-0");
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    const taints = (node.spec?.taints ?? []).filter((t) => t.key === UNREACHABLE);
    expect(taints.map((t) => t.effect).sort()).toEqual(["NoExecute", "NoSchedule"]);
    const taintedAt = Date.parse(taints.find((t) => t.effect === "NoExecute")!.timeAdded!);

    // tolerationSeconds counts from the taint's timeAdded; no limit means it stays.
    const evicted = await until(async () => {
      const p = await pods().get("tolerates-6s");
      return p.metadata.deletionTimestamp ? Date.now() : undefined;
    }, 15_000, "tolerates-6s evicted");
    expect(evicted - taintedAt).toBeGreaterThanOrEqual(5000);
    expect((await pods().get("stays")).metadata.deletionTimestamp).toBeUndefined();

    const events = await rest.resource<KObject>(findResource("", "v1", "events")!, "default").list();
    expect(events.items.some((e) => e.reason === "TaintManagerEviction")).toBe(true);

    // The kubelet comes back: Ready again and the taints go.
    hollow(["doomed-0"]);
    await until(async () => {
      const n = await nodes().get("doomed-0");
      const ok = n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" && !(n.spec?.taints ?? []).some((t) => t.key === UNREACHABLE);
      return ok ? true : undefined;
    }, 15_000, "doomed-0 Ready and untainted");
    // Its kubelet finishes the evicted pods that were left Terminating.
    await gone(() => pods().get("tolerates-6s"), 10_000, "tolerates-6s");
  });

  it("kubectl delete rs --cascade=foreground returns once the kubelets have finished its pods", async () => {
    const rsClient = rest.resource<KObject>(findResource("apps", "v1", "replicasets")!, "default");
    await rsClient.create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "fg" },
      spec: { replicas: 3, selector: { matchLabels: { app: "fg" } }, template: { metadata: { labels: { app: "fg" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    await until(async () => ((await pods().list({ labelSelector: "app=fg" })).items.filter((p) => p.status?.phase === "Running").length === 3 ? true : undefined), 15_000, "fg pods Running");
    const r = await kubectl(["delete", "rs", "fg", "--cascade=foreground", "--timeout=20s"], { server: cp.url, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    await expect(rsClient.get("fg")).rejects.toMatchObject({ code: 404 });
    // Foreground: the owner went last, so its pods were already gone.
    expect((await pods().list({ labelSelector: "app=fg" })).items).toEqual([]);
  });

  it("force-deletes pods bound to a deleted node", async () => {
    await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: "removed" } });
    await pods().create({ apiVersion: "v1", kind: "Pod", metadata: { name: "on-removed" }, spec: { nodeName: "removed", tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "busybox" }] } });
    await nodes().delete("removed");
    await gone(() => pods().get("on-removed"), 10_000, "on-removed");
  });
});
