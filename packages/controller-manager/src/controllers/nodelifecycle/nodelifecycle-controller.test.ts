import { afterEach, describe, expect, it } from "vitest";
import type { KObject, Node, Pod } from "@kates/api";
import { FakeApiServer, RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { newControllerContext, type ControllerManagerOptions } from "../../controller-context.js";
import { NodeLifecycleController } from "./nodelifecycle-controller.js";

const NODES = "/api/v1/nodes";
const PODS = "/api/v1/namespaces/default/pods";
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const OPTIONS: ControllerManagerOptions = { workers: 2, nodeMonitorGracePeriodMs: 300, nodeMonitorPeriodMs: 50, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24, controllers: ["*"] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start() {
  const fake = new FakeApiServer();
  const url = await fake.start();
  const rest = new RestClient({ server: url, userAgent: "nodelifecycle-test" });
  const ac = new AbortController();
  const ctx = newControllerContext(rest, OPTIONS, newLogger("test", "silent"));
  const controller = new NodeLifecycleController(ctx);
  ctx.informers.start(ac.signal);
  const done = controller.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
    rest.close();
    await fake.stop();
  });
  return fake;
}

async function until<T>(get: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readyNode = (name: string, status: "True" | "False" = "True"): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: {}, status: { conditions: [{ type: "Ready", status, lastHeartbeatTime: "2024-01-01T00:00:00Z" }, { type: "MemoryPressure", status: "False" }] } });
const pod = (name: string, node: string, tolerations: NonNullable<Pod["spec"]>["tolerations"] = []): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName: node, tolerations, containers: [] } });
const lease = (name: string, renewTime: string): KObject => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { renewTime } });
const taintsOf = (fake: FakeApiServer, name: string) => ((fake.getObject(NODES, undefined, name) as Node | undefined)?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

describe("NodeLifecycleController", () => {
  it("marks a silent node Unknown, taints it unreachable and evicts pods that don't tolerate it", async () => {
    const fake = await start();
    fake.put(NODES, readyNode("n1"));
    fake.put(LEASES, lease("n1", "2024-01-01T00:00:00.000000Z"));
    fake.put(PODS, pod("intolerant", "n1"));
    fake.put(PODS, pod("forever", "n1", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]));
    fake.put(PODS, pod("hour", "n1", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 3600 }]));

    await until(() => (fake.getObject(PODS, "default", "intolerant") ? undefined : true));
    const node = fake.getObject(NODES, undefined, "n1") as Node;
    expect(node.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["Ready=Unknown", "MemoryPressure=Unknown"]);
    expect(node.status?.conditions?.[0]).toMatchObject({ reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(taintsOf(fake, "n1")).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    expect(fake.getObject(PODS, "default", "forever")).toBeDefined();
    expect(fake.getObject(PODS, "default", "hour")).toBeDefined();
    const reasons = () => fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/events")).length;
    await until(() => (reasons() >= 2 ? true : undefined));
  });

  it("keeps a node whose lease is renewed, and lifts the taints when it is Ready again", async () => {
    const fake = await start();
    fake.put(NODES, readyNode("n1"));
    let tick = 0;
    const renew = setInterval(() => fake.put(LEASES, lease("n1", `2024-01-01T00:00:${String(++tick % 60).padStart(2, "0")}.000000Z`)), 50);
    cleanups.push(async () => clearInterval(renew));
    await new Promise((r) => setTimeout(r, 800));
    expect(taintsOf(fake, "n1")).toEqual([]);

    // The kubelet reports NotReady: not-ready taints replace nothing; Ready again: gone.
    fake.put(NODES, { ...readyNode("n1", "False"), metadata: { ...fake.getObject(NODES, undefined, "n1")!.metadata } });
    await until(() => (taintsOf(fake, "n1").length === 2 ? true : undefined));
    expect(taintsOf(fake, "n1")).toEqual(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
    const current = fake.getObject(NODES, undefined, "n1") as Node;
    fake.put(NODES, { ...current, status: readyNode("n1").status });
    await until(() => (taintsOf(fake, "n1").length === 0 ? true : undefined));
  });

  it("force-deletes pods bound to a node that does not exist", async () => {
    const fake = await start();
    fake.put(PODS, pod("stray", "ghost", [{ operator: "Exists" }]));
    await until(() => (fake.getObject(PODS, "default", "stray") ? undefined : true));
  });
});
