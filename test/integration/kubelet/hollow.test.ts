// Hollow nodes against the real apiserver and etcd: registration, Lease heartbeats, bound
// pods reported Running, deleted pods removed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, isNotFound, type Lease, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { startHollowNodes, type HollowNodes } from "../../../packages/kubelet/src/index.js";

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowNodes;
const ac = new AbortController();
const nodes = () => rest.resource<Node>(findResource("", "v1", "nodes")!);
const leases = () => rest.resource<Lease>(findResource("coordination.k8s.io", "v1", "leases")!, "kube-node-lease");
const pods = () => rest.resource<Pod>(findResource("", "v1", "pods")!, "default");

async function until<T>(get: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "kubelet-hollow", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "kubelet-hollow-test" });
  hollow = await startHollowNodes({ server: cp.url, namePrefix: "hn", count: 3, cpu: "8", memory: "32Gi", pods: 50, leaseRenewMs: 300, signal: ac.signal });
});

afterAll(async () => {
  ac.abort();
  await hollow?.done;
  rest?.close();
  await cp?.stop();
});

describe("hollow nodes", () => {
  it("register three Ready nodes with capacity, labels, addresses and nodeInfo", async () => {
    expect(hollow.nodeNames).toEqual(["hn-0", "hn-1", "hn-2"]);
    const list = await nodes().list();
    const ours = list.items.filter((n) => n.metadata.name?.startsWith("hn-"));
    expect(ours.map((n) => n.metadata.name).sort()).toEqual(["hn-0", "hn-1", "hn-2"]);
    const n = ours.find((x) => x.metadata.name === "hn-1")!;
    expect(n.metadata.labels).toMatchObject({ "kubernetes.io/hostname": "hn-1", "kubernetes.io/os": "linux" });
    expect(n.metadata.labels?.["kubernetes.io/arch"]).toBeTruthy();
    expect(n.status?.capacity).toMatchObject({ cpu: "8", memory: "32Gi", pods: "50" });
    expect(n.status?.allocatable).toMatchObject({ cpu: "8", pods: "50" });
    const cond = Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(cond).toEqual({ Ready: "True", MemoryPressure: "False", DiskPressure: "False", PIDPressure: "False" });
    expect(n.status?.addresses?.map((a) => a.type).sort()).toEqual(["Hostname", "InternalIP"]);
    expect(n.status?.nodeInfo).toMatchObject({ kubeletVersion: "v1.32.0-kates", containerRuntimeVersion: "hollow://0" });
    expect(n.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
  });

  it("renew their Leases in kube-node-lease", async () => {
    const first = await until(() => leases().get("hn-2"));
    expect(first.spec).toMatchObject({ holderIdentity: "hn-2", leaseDurationSeconds: 4 });
    const t0 = Date.parse(first.spec!.renewTime!);
    const later = await until(async () => {
      const l = await leases().get("hn-2");
      return Date.parse(l.spec!.renewTime!) > t0 ? l : undefined;
    }, 5000);
    expect(Date.parse(later.spec!.renewTime!)).toBeGreaterThan(t0);
    expect(later.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "hn-2" });
  });

  it("report a pod bound through the binding subresource Running and Ready", async () => {
    await pods().create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, spec: { containers: [{ name: "app", image: "nginx" }, { name: "side", image: "busybox" }] } });
    await rest.createBinding("default", "web", "hn-1");
    const pod = await until(async () => {
      const p = await pods().get("web");
      return p.status?.phase === "Running" ? p : undefined;
    });
    const node = await nodes().get("hn-1");
    expect(pod.status?.hostIP).toBe(node.status?.addresses?.find((a) => a.type === "InternalIP")?.address);
    expect(pod.status?.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(pod.status?.startTime).toBeTruthy();
    const cond = Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(cond).toMatchObject({ PodScheduled: "True", Initialized: "True", ContainersReady: "True", Ready: "True" });
    expect(pod.status?.containerStatuses?.map((c) => [c.name, c.ready, !!c.state?.running])).toEqual([["app", true, true], ["side", true, true]]);
  });

  it("delete a pod that is being deleted, so it disappears", async () => {
    await pods().create({ apiVersion: "v1", kind: "Pod", metadata: { name: "gone" }, spec: { nodeName: "hn-0", containers: [{ name: "app", image: "nginx" }] } });
    await until(async () => ((await pods().get("gone")).status?.phase === "Running" ? true : undefined));
    await pods().delete("gone");
    await until(async () => {
      try {
        await pods().get("gone");
        return undefined;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    });
  });

  it("leave pods of other nodes alone", async () => {
    await pods().create({ apiVersion: "v1", kind: "Pod", metadata: { name: "elsewhere" }, spec: { nodeName: "not-hollow", containers: [{ name: "app", image: "nginx" }] } });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await pods().get("elsewhere")).status?.phase).toBe("Pending");
  });
});
