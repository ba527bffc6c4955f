// @kates/client against the real apiserver and etcd: typed errors, informers that resume
// across an apiserver restart and relist after compaction, and Lease leader election.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, isConflict, isNotFound, type KObject } from "@kates/api";
import { EventRecorder, Informer, LeaderElector, RestClient } from "@kates/client";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";

let etcd: EtcdCluster;
let server: StartedApiServer;
let rest: RestClient;
const configmaps = () => rest.resource<KObject>(findResource("", "v1", "configmaps")!, "default");
const cm = (name: string, data: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "client" });
  server = await startApiServer({ etcdEndpoints: etcd.endpoints, extraArgs: ["--bookmark-interval=1s"] });
  rest = new RestClient({ server: server.url, userAgent: "kates-client-test" });
});

afterAll(async () => {
  rest?.close();
  await server?.stop();
  await etcd?.stop();
});

describe("RestClient", () => {
  it("does CRUD and maps Status errors to typed errors", async () => {
    const c = configmaps();
    const created = await c.create(cm("rc-a", { k: "v" }));
    expect(created.metadata.uid).toBeTruthy();
    const stale = structuredClone(created);
    await c.update({ ...created, data: { k: "v2" } });
    await expect(c.update({ ...stale, data: { k: "v3" } })).rejects.toSatisfy(isConflict);
    await expect(c.get("missing")).rejects.toSatisfy(isNotFound);
    const patched = await c.patch("rc-a", { data: { p: "1" } }, "strategic");
    expect(patched.data).toEqual({ k: "v2", p: "1" });
    await c.delete("rc-a");
    await expect(c.get("rc-a")).rejects.toSatisfy(isNotFound);
  });
});

describe("Informer", () => {
  it("syncs, follows changes, and resumes after an apiserver restart without missing any", async () => {
    const c = configmaps();
    await c.create(cm("inf-1"));
    const inf = new Informer<KObject>(c, {});
    const seen: string[] = [];
    inf.on("add", (o) => seen.push(`add ${o.metadata.name}`));
    inf.on("update", (_o, n) => seen.push(`update ${n.metadata.name}`));
    inf.on("delete", (o) => seen.push(`delete ${o.metadata.name}`));
    const ac = new AbortController();
    void inf.start(ac.signal);
    try {
      await inf.waitForSync(ac.signal);
      expect(inf.lister.get("default", "inf-1")).toBeTruthy();
      await c.create(cm("inf-2"));
      await until(() => seen.includes("add inf-2"));
      await server.restart();
      // Written while the informer's watch is reconnecting: it must still arrive.
      await c.patch("inf-1", { data: { after: "restart" } }, "merge");
      await c.delete("inf-2");
      await until(() => seen.includes("update inf-1") && seen.includes("delete inf-2"));
      expect(inf.lister.get("default", "inf-1")?.data).toEqual({ after: "restart" });
      expect(inf.lister.get("default", "inf-2")).toBeUndefined();
      expect(seen.filter((s) => s === "add inf-1")).toHaveLength(1);
    } finally {
      ac.abort();
    }
  });
});

describe("EventRecorder", () => {
  it("creates an Event and counts repeats on it, findable by involvedObject", async () => {
    const obj = await configmaps().create(cm("evented"));
    const rec = new EventRecorder(rest, { component: "test-controller" });
    await rec.record(obj, "Normal", "Synced", "synced it");
    await rec.record(obj, "Normal", "Synced", "synced it");
    await rec.record(obj, "Warning", "Failed", "broke it");
    const events = rest.resource<KObject>(findResource("", "v1", "events")!, "default");
    const list = await events.list({ fieldSelector: `involvedObject.uid=${obj.metadata.uid},involvedObject.name=evented` });
    const byReason = Object.fromEntries(list.items.map((e: any) => [e.reason, e]));
    expect(Object.keys(byReason).sort()).toEqual(["Failed", "Synced"]);
    expect(byReason.Synced.count).toBe(2);
    expect(byReason.Synced.source.component).toBe("test-controller");
    expect(byReason.Failed.type).toBe("Warning");
    expect(byReason.Synced.involvedObject).toMatchObject({ kind: "ConfigMap", name: "evented", namespace: "default" });
  });
});

describe("LeaderElector", () => {
  it("elects one leader through a real Lease and hands over on release", async () => {
    const leases = rest.resource<KObject>(findResource("coordination.k8s.io", "v1", "leases")!, "kube-system");
    const mk = (identity: string) => new LeaderElector({ client: rest, name: "test-election", identity, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 200 });
    const leading = new Set<string>();
    let overlaps = 0;
    const run = (id: string, ac: AbortController) =>
      mk(id).run({
        onStartedLeading: async (signal) => {
          if (leading.size) overlaps++;
          leading.add(id);
          await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
          leading.delete(id);
        },
      }, ac.signal);
    const a = new AbortController();
    const b = new AbortController();
    const ra = run("a", a);
    await until(() => leading.has("a"));
    const rb = run("b", b);
    await new Promise((r) => setTimeout(r, 1000));
    expect([...leading]).toEqual(["a"]);
    const lease = await leases.get("test-election");
    expect((lease.spec as { holderIdentity?: string }).holderIdentity).toBe("a");
    a.abort();
    await ra;
    await until(() => leading.has("b"), 5000);
    expect(overlaps).toBe(0);
    b.abort();
    await rb;
  });
});
