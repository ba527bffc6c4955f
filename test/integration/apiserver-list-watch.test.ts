// Lists (selectors, pagination) and watches (replay from a resourceVersion, resume across
// an apiserver restart, selector transitions, 410 after compaction) on real etcd.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";
import { Api, pod } from "./api-client.js";

let etcd: EtcdCluster;
let server: StartedApiServer;
let api: Api;
const NS = "/api/v1/namespaces/default";

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "listwatch" });
  server = await startApiServer({ etcdEndpoints: etcd.endpoints, extraArgs: ["--etcd-compaction-interval=0", "--bookmark-interval=1s"] });
  api = new Api(server.url);
});

afterAll(async () => {
  await server?.stop();
  await etcd?.stop();
});

describe("list", () => {
  beforeAll(async () => {
    await api.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "sel" } });
    const mk = (name: string, labels: Record<string, string>) => api.post("/api/v1/namespaces/sel/pods", pod(name, labels));
    await mk("a", { app: "web", tier: "front" });
    await mk("b", { app: "web", tier: "back" });
    await mk("c", { app: "db" });
    await mk("d", { app: "cache", tier: "back" });
    await api.post("/api/v1/namespaces/sel/pods/b/binding", { metadata: { name: "b" }, target: { name: "node-9" } });
  });

  const names = async (query: string) => (await api.get(`/api/v1/namespaces/sel/pods?${query}`)).body.items.map((p: any) => p.metadata.name);

  it("filters with every label selector operator", async () => {
    expect(await names("labelSelector=app%3Dweb")).toEqual(["a", "b"]);
    expect(await names("labelSelector=app%3D%3Dweb")).toEqual(["a", "b"]);
    expect(await names("labelSelector=app!%3Dweb")).toEqual(["c", "d"]);
    expect(await names(`labelSelector=${encodeURIComponent("app in (db,cache)")}`)).toEqual(["c", "d"]);
    expect(await names(`labelSelector=${encodeURIComponent("app notin (db,cache)")}`)).toEqual(["a", "b"]);
    expect(await names("labelSelector=tier")).toEqual(["a", "b", "d"]);
    expect(await names("labelSelector=!tier")).toEqual(["c"]);
    expect(await names(`labelSelector=${encodeURIComponent("app=web,tier=back")}`)).toEqual(["b"]);
  });

  it("filters with field selectors and rejects unsupported ones", async () => {
    expect(await names("fieldSelector=metadata.name%3Dc")).toEqual(["c"]);
    expect(await names("fieldSelector=spec.nodeName%3Dnode-9")).toEqual(["b"]);
    expect(await names("fieldSelector=spec.nodeName%3D")).toEqual(["a", "c", "d"]);
    expect(await names("fieldSelector=status.phase%3DPending")).toEqual(["a", "b", "c", "d"]);
    const bad = await api.get("/api/v1/namespaces/sel/pods?fieldSelector=spec.bogus%3Dx");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("field label not supported: spec.bogus");
    const syntax = await api.get(`/api/v1/namespaces/sel/pods?labelSelector=${encodeURIComponent("app in (x")}`);
    expect(syntax.status).toBe(400);
  });

  it("pages with limit and continue over one consistent snapshot", async () => {
    const p1 = (await api.get("/api/v1/namespaces/sel/pods?limit=3")).body;
    expect(p1.items.map((p: any) => p.metadata.name)).toEqual(["a", "b", "c"]);
    expect(p1.metadata.continue).toBeTruthy();
    await api.post("/api/v1/namespaces/sel/pods", pod("e"));
    const p2 = (await api.get(`/api/v1/namespaces/sel/pods?limit=3&continue=${p1.metadata.continue}`)).body;
    expect(p2.items.map((p: any) => p.metadata.name)).toEqual(["d"]);
    expect(p2.metadata.continue).toBeUndefined();
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    const filtered = (await api.get("/api/v1/namespaces/sel/pods?limit=1&labelSelector=tier%3Dback")).body;
    expect(filtered.items.map((p: any) => p.metadata.name)).toEqual(["b"]);
    const rest = (await api.get(`/api/v1/namespaces/sel/pods?limit=1&labelSelector=tier%3Dback&continue=${filtered.metadata.continue}`)).body;
    expect(rest.items.map((p: any) => p.metadata.name)).toEqual(["d"]);
    const bad = await api.get("/api/v1/namespaces/sel/pods?limit=1&continue=garbage");
    expect(bad.status).toBe(400);
  });

  it("lists across namespaces and serves resourceVersion=0 from the watch cache", async () => {
    const all = (await api.get("/api/v1/pods")).body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(all).toEqual(expect.arrayContaining(["sel/a", "sel/d"]));
    const cached = (await api.get("/api/v1/namespaces/sel/pods?resourceVersion=0")).body;
    expect(cached.items.map((p: any) => p.metadata.name)).toEqual(expect.arrayContaining(["a", "b", "c", "d"]));
  });
});

describe("watch", () => {
  it("replays exactly the events after an old resourceVersion", async () => {
    const start = (await api.get(`${NS}/configmaps`)).body.metadata.resourceVersion;
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w1" }, data: { v: "1" } });
    await api.patch(`${NS}/configmaps/w1`, { data: { v: "2" } }, "application/merge-patch+json");
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w2" } });
    await api.del(`${NS}/configmaps/w1`);
    const events = await api.watch(`${NS}/configmaps?watch=true&resourceVersion=${start}`, (e) => e.length >= 4, 5000);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.data?.v ?? ""}`.trim())).toEqual(["ADDED w1 1", "MODIFIED w1 2", "ADDED w2", "DELETED w1 2"]);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(rvs[0]).toBeGreaterThan(Number(start));
  });

  it("sends ADDED for existing objects when no resourceVersion is given, then live events", async () => {
    await api.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "wl" } });
    await api.post("/api/v1/namespaces/wl/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pre" } });
    const pending = api.watch("/api/v1/namespaces/wl/configmaps?watch=true", (e) => e.length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 300));
    await api.post("/api/v1/namespaces/wl/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "live" } });
    const events = await pending;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED pre", "ADDED live"]);
  });

  it("turns selector transitions into ADDED and DELETED", async () => {
    const rv = (await api.get(`${NS}/configmaps`)).body.metadata.resourceVersion;
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sw", labels: { color: "red" } } });
    await api.patch(`${NS}/configmaps/sw`, { metadata: { labels: { color: "blue" } } }, "application/merge-patch+json");
    await api.patch(`${NS}/configmaps/sw`, { metadata: { labels: { color: "red" } } }, "application/merge-patch+json");
    const events = await api.watch(`${NS}/configmaps?watch=true&labelSelector=color%3Dred&resourceVersion=${rv}`, (e) => e.length >= 3, 5000);
    expect(events.map((e) => e.type)).toEqual(["ADDED", "DELETED", "ADDED"]);
  });

  it("sends bookmarks when allowed", async () => {
    const rv = (await api.get(`${NS}/configmaps`)).body.metadata.resourceVersion;
    const events = await api.watch(`${NS}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, (e) => e.some((x) => x.type === "BOOKMARK"), 5000);
    const b = events.find((e) => e.type === "BOOKMARK");
    expect(b.object.kind).toBe("ConfigMap");
    expect(Number(b.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  });

  it("sends one-row Tables when asked (kubectl get -w)", async () => {
    const table = await api.get(`${NS}/configmaps`, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
    expect(table.body.kind).toBe("Table");
    const rv = table.body.metadata.resourceVersion;
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tw1" } });
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tw2" } });
    const events = await api.watch(`${NS}/configmaps?watch=true&resourceVersion=${rv}`, (e) => e.length >= 2, 5000, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
    expect(events[0].object.kind).toBe("Table");
    expect(events[0].object.columnDefinitions[0]).toMatchObject({ name: "Name", format: "name" });
    expect(events[0].object.rows[0].cells[0]).toBe("tw1");
    expect(events[1].object.columnDefinitions).toBeNull();
    expect(events[1].object.rows[0].object.metadata.name).toBe("tw2");
  });

  it("resumes across an apiserver restart from the last resourceVersion seen", async () => {
    const rv0 = (await api.get(`${NS}/configmaps`)).body.metadata.resourceVersion;
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "r1" } });
    const before = await api.watch(`${NS}/configmaps?watch=true&resourceVersion=${rv0}`, (e) => e.length >= 1, 5000);
    const last = before[before.length - 1].object.metadata.resourceVersion;
    await server.restart();
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "r2" } });
    const after = await api.watch(`${NS}/configmaps?watch=true&resourceVersion=${last}`, (e) => e.length >= 1, 5000);
    expect(after.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED r2"]);
    // Nothing stored was lost by the restart.
    expect((await api.get(`${NS}/configmaps/r1`)).status).toBe(200);
  });
});

describe("watch cache", () => {
  /** Watchers registered on all etcd members (each member counts the watches it serves). */
  const etcdWatchers = async () => {
    let total = 0;
    for (const ep of etcd.endpoints) {
      const text = await (await fetch(`${ep}/metrics`)).text();
      total += Number(/^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(text)?.[1] ?? NaN);
    }
    return total;
  };

  it("serves many client watches of a resource with one etcd watch", async () => {
    const open = (n: number) => Array.from({ length: n }, () => {
      const ac = new AbortController();
      void fetch(`${server.url}/api/v1/namespaces/default/secrets?watch=true`, { signal: ac.signal }).catch(() => {});
      return ac;
    });
    const warm = open(1);
    await new Promise((r) => setTimeout(r, 500));
    const before = await etcdWatchers();
    expect(before).toBeGreaterThan(0);
    const many = open(30);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await etcdWatchers();
    expect(after).toBe(before);
    [...warm, ...many].forEach((ac) => ac.abort());
  });
});

describe("compaction", () => {
  it("answers a watch from a compacted resourceVersion with 410 Expired", async () => {
    const compacting = await startApiServer({ etcdEndpoints: etcd.endpoints, extraArgs: ["--etcd-compaction-interval=1s"] });
    try {
      const c = new Api(compacting.url);
      const old = (await c.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cmp-old" } })).body.metadata.resourceVersion;
      await c.patch(`${NS}/configmaps/cmp-old`, { data: { a: "b" } }, "application/merge-patch+json");
      // Two rounds: the first records the revision, the second compacts up to it.
      await new Promise((r) => setTimeout(r, 3500));
      const events = await c.watch(`${NS}/configmaps?watch=true&resourceVersion=${old}`, (e) => e.length >= 1, 5000);
      expect(events[0].type).toBe("ERROR");
      expect(events[0].object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
      const list = await c.get(`${NS}/configmaps?resourceVersion=${old}&resourceVersionMatch=Exact`);
      expect(list.status).toBe(410);
      // The other apiserver heard about the compaction too.
      const other = await api.watch(`${NS}/configmaps?watch=true&resourceVersion=${old}`, (e) => e.length >= 1, 5000);
      expect(other[0].type).toBe("ERROR");
    } finally {
      await compacting.stop();
    }
  });
});
