import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { ServiceUnavailableError, findResource, type KObject } from "@kates/api";
import { FakeApiServer } from "./fake-apiserver.js";
import { Informer } from "./informer.js";
import { RestClient } from "./rest-client.js";

const CM = "/api/v1/namespaces/default/configmaps";
const SECRETS = "/api/v1/namespaces/default/secrets";
const cm = (name: string, labels?: Record<string, string>, ns = "default"): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels } });

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("Informer", () => {
  let fake: FakeApiServer;
  let rest: RestClient;
  let ac: AbortController;
  let log: string[];

  const newInformer = (opts: ConstructorParameters<typeof Informer<KObject>>[1] = {}) => {
    const inf = new Informer<KObject>(rest.resource(findResource("", "v1", "configmaps")!), { backoff: { initialMs: 10, maxMs: 50 }, ...opts });
    inf.on("add", (o) => log.push(`add ${o.metadata.name}`));
    inf.on("update", (a, b) => log.push(`update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`));
    inf.on("delete", (o, unknown) => log.push(`delete ${o.metadata.name}${unknown ? " (final state unknown)" : ""}`));
    return inf;
  };

  beforeEach(async () => {
    fake = new FakeApiServer();
    rest = new RestClient({ server: await fake.start() });
    ac = new AbortController();
    log = [];
  });
  afterEach(async () => {
    ac.abort();
    rest.close();
    await fake.stop();
  });

  it("lists, then watches from the list's resourceVersion with bookmarks, and serves the lister", async () => {
    fake.put(CM, cm("a", { app: "x" }));
    fake.put(CM, cm("b", { app: "y" }));
    fake.put("/api/v1/namespaces/other/configmaps", cm("c", { app: "x" }, "other"));
    const inf = newInformer({ indexers: { byApp: (o) => [o.metadata.labels?.app ?? ""] } });
    void inf.start(ac.signal);
    expect(await inf.waitForSync(ac.signal)).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(log.sort()).toEqual(["add a", "add b", "add c"]);
    const listRV = fake.resourceVersion;
    expect(inf.lastSyncResourceVersion).toBe(listRV);
    await until(() => fake.watchCount === 1, "watch");
    const w = fake.watchRequests()[0];
    expect(w.query.get("resourceVersion")).toBe(listRV);
    expect(w.query.get("allowWatchBookmarks")).toBe("true");

    expect(inf.lister.get("default", "a")?.metadata.labels).toEqual({ app: "x" });
    expect(inf.lister.list("default").map((o) => o.metadata.name).sort()).toEqual(["a", "b"]);
    expect(inf.lister.byIndex("byApp", "x").map((o) => o.metadata.name).sort()).toEqual(["a", "c"]);

    log = [];
    fake.put(CM, { ...cm("a"), data: { k: "v" } });
    fake.remove(CM, "default", "b");
    await until(() => log.length === 2, "events");
    expect(log[0]).toMatch(/^update a \d+->\d+$/);
    expect(log[1]).toBe("delete b");
    expect(inf.lister.get("default", "b")).toBeUndefined();
    expect(inf.lister.byIndex("byApp", "x").map((o) => o.metadata.name).sort()).toEqual(["c"]);
  });

  it("resumes from the last resourceVersion seen (events and bookmarks) after a dropped connection", async () => {
    fake.put(CM, cm("a"));
    const inf = newInformer();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await until(() => fake.watchCount === 1, "watch");
    fake.put(CM, cm("b"));
    await until(() => log.includes("add b"), "add b");
    const afterB = fake.resourceVersion;
    expect(inf.lastSyncResourceVersion).toBe(afterB);

    fake.dropWatches();
    await until(() => fake.watchRequests().length === 2 && fake.watchCount === 1, "second watch");
    expect(fake.watchRequests()[1].query.get("resourceVersion")).toBe(afterB);

    // A bookmark moves the resume point past writes to other resources.
    fake.put(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" } });
    fake.sendBookmark();
    const bookmarkRV = fake.resourceVersion;
    await until(() => inf.lastSyncResourceVersion === bookmarkRV, "bookmark");
    fake.endWatches();
    await until(() => fake.watchRequests().length === 3, "third watch");
    expect(fake.watchRequests()[2].query.get("resourceVersion")).toBe(bookmarkRV);
    // No relist happened on any of these reconnects.
    expect(fake.requests.filter((r) => r.query.get("watch") !== "true").length).toBe(1);
    expect(log).toEqual(["add a", "add b"]);
  });

  for (const mode of ["event", "http"] as const) {
    it(`relists on 410 Expired (${mode}) and emits the differences, deletes as final-state-unknown`, async () => {
      fake.expireMode = mode;
      fake.put(CM, cm("gone"));
      fake.put(CM, cm("changed"));
      fake.put(CM, cm("same"));
      const inf = newInformer();
      void inf.start(ac.signal);
      await inf.waitForSync(ac.signal);
      await until(() => fake.watchCount === 1, "watch");
      log = [];

      // The apiserver goes away; meanwhile objects change and history is compacted.
      fake.watchFailure = new ServiceUnavailableError("down");
      fake.dropWatches();
      await until(() => fake.watchRequests().length >= 3, "failing reconnects");
      fake.remove(CM, "default", "gone");
      fake.put(CM, { ...cm("changed"), data: { v: "2" } });
      fake.put(CM, cm("new"));
      fake.expiredBelow = Number(fake.resourceVersion);
      const listsBefore = fake.requests.filter((r) => r.query.get("watch") !== "true").length;
      fake.watchFailure = undefined;

      await until(() => log.length === 3, "relist diffs");
      expect(log.map((l) => l.replace(/ \d+->\d+$/, "")).sort()).toEqual(["add new", "delete gone (final state unknown)", "update changed"]);
      expect(fake.requests.filter((r) => r.query.get("watch") !== "true").length).toBe(listsBefore + 1);
      expect(inf.lister.list().map((o) => o.metadata.name).sort()).toEqual(["changed", "new", "same"]);
      expect((inf.lister.get("default", "changed")!.data as Record<string, string>).v).toBe("2");
      // After the relist it watches from the new list's resourceVersion, which is not expired.
      await until(() => fake.watchCount === 1, "watch after relist");
      expect(fake.watchRequests().at(-1)!.query.get("resourceVersion")).toBe(fake.resourceVersion);
    });
  }

  it("backs off between failed reconnects", async () => {
    const inf = newInformer({ backoff: { initialMs: 40, maxMs: 80 } });
    fake.watchFailure = new ServiceUnavailableError("down");
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await new Promise((r) => setTimeout(r, 400));
    // 40, 80, 80, ... ms (±20%) allows at most ~7 attempts in 400 ms; a hot loop would make hundreds.
    const n = fake.watchRequests().length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(8);
  });

  it("resyncs by calling update for every cached object, and freezes cached objects on request", async () => {
    fake.put(CM, cm("a"));
    const inf = newInformer({ resyncMs: 30, freeze: true });
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await until(() => log.filter((l) => l.startsWith("update a")).length >= 2, "resyncs");
    const cached = inf.lister.get("default", "a")!;
    expect(Object.isFrozen(cached.metadata)).toBe(true);
    expect(() => {
      cached.metadata.name = "mutated";
    }).toThrow(TypeError);
  });

  it("replays the cache to add handlers registered after sync, and stops when aborted", async () => {
    fake.put(CM, cm("a"));
    const inf = newInformer();
    const done = inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    const late: string[] = [];
    inf.on("add", (o) => late.push(o.metadata.name!));
    expect(late).toEqual(["a"]);
    ac.abort();
    await done;
    await until(() => fake.watchCount === 0, "watch closed");
  });
});
