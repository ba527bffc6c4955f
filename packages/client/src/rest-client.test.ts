import { describe, it, expect, beforeAll, afterAll } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  AlreadyExistsError, ConflictError, ExpiredError, NotFoundError, findResource, isRetryable, isInvalid,
  type KObject, type ResourceInfo, type WatchEvent,
} from "@kates/api";
import { RestClient } from "./rest-client.js";
import { ConnectionError } from "./errors.js";
import { FakeApiServer } from "./fake-apiserver.js";

const pods = findResource("", "v1", "pods")!;
const deployments = findResource("apps", "v1", "deployments")!;
const nodes = findResource("", "v1", "nodes")!;
const cm = (name: string, data: Record<string, string> = {}): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

/** A raw server whose handler the test controls, for wire details the fake does not model. */
async function rawServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => {
      srv.closeAllConnections();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

describe("ResourceClient paths", () => {
  const rest = new RestClient({ server: "http://127.0.0.1:1" });
  it("builds core, group and cluster-scoped URLs", () => {
    expect(rest.resource(pods, "default").path("web")).toBe("/api/v1/namespaces/default/pods/web");
    expect(rest.resource(pods).path()).toBe("/api/v1/pods");
    expect(rest.resource(deployments, "prod").path("api", "scale")).toBe("/apis/apps/v1/namespaces/prod/deployments/api/scale");
    expect(rest.resource(nodes).path("n1", "status")).toBe("/api/v1/nodes/n1/status");
    expect(() => rest.resource(pods).path("web")).toThrow(/namespace is required/);
  });
});

describe("RestClient against the fake apiserver", () => {
  const fake = new FakeApiServer();
  let rest: RestClient;
  const cms = () => rest.resource<KObject>(findResource("", "v1", "configmaps")!, "default");

  beforeAll(async () => {
    rest = new RestClient({ server: await fake.start(), userAgent: "test" });
  });
  afterAll(async () => {
    rest.close();
    await fake.stop();
  });

  it("creates, gets, updates, patches and deletes", async () => {
    const created = await cms().create(cm("a", { x: "1" }));
    expect(created.metadata.resourceVersion).toBeTruthy();
    expect(created.metadata.namespace).toBe("default");
    const got = await cms().get("a");
    expect(got.data).toEqual({ x: "1" });
    const updated = await cms().update({ ...got, data: { x: "2" } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
    const patched = await cms().patch("a", { data: { y: "3" } }, "merge", { fieldManager: "t" });
    expect(patched.data).toEqual({ x: "2", y: "3" });
    const patchReq = fake.requests.at(-1)!;
    expect(patchReq.method).toBe("PATCH");
    expect(patchReq.query.get("fieldManager")).toBe("t");
    await cms().delete("a", { propagationPolicy: "Background" });
    await expect(cms().get("a")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("maps Status bodies to typed errors", async () => {
    await cms().create(cm("dup"));
    const dup = await cms().create(cm("dup")).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AlreadyExistsError);
    const stale = await cms().update({ ...cm("dup"), metadata: { name: "dup", resourceVersion: "1" } }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).code).toBe(409);
    expect((stale as Error).message).toMatch(/the object has been modified/);
    const missing = await cms().get("nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('configmaps "nope" not found');
  });

  it("lists with selectors and follows pagination in listAll", async () => {
    await cms().create({ ...cm("l1"), metadata: { name: "l1", labels: { app: "x" } } });
    await cms().create({ ...cm("l2"), metadata: { name: "l2", labels: { app: "y" } } });
    const list = await cms().list({ labelSelector: "app=x" });
    expect(list.items.map((o) => o.metadata.name)).toEqual(["l1"]);
    expect(list.metadata.resourceVersion).toBe(fake.resourceVersion);
    const all = await cms().listAll();
    expect(all.items.length).toBeGreaterThanOrEqual(2);
    expect(fake.requests.at(-1)!.query.get("limit")).toBe("500");
  });

  it("binds a pod to a node", async () => {
    const pc = rest.resource<KObject>(pods, "default");
    await pc.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} });
    await rest.createBinding("default", "p", "node-1");
    expect(((await pc.get("p")).spec as { nodeName?: string }).nodeName).toBe("node-1");
  });

  it("streams watch events and stops when aborted", async () => {
    const rv = fake.resourceVersion;
    const ac = new AbortController();
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of cms().watch({ resourceVersion: rv, signal: ac.signal })) {
        seen.push(ev);
        if (seen.length === 2) ac.abort();
      }
    })();
    while (fake.watchCount === 0) await new Promise((r) => setTimeout(r, 5));
    await cms().create(cm("w1"));
    await cms().delete("w1");
    await done;
    expect(seen.map((e) => [e.type, e.object.metadata.name])).toEqual([["ADDED", "w1"], ["DELETED", "w1"]]);
  });
});

describe("RestClient wire details", () => {
  it("parses watch events split at arbitrary chunk boundaries, including inside UTF-8 characters", async () => {
    const events = [
      { type: "ADDED", object: { kind: "ConfigMap", metadata: { name: "ünï-ç😀de", resourceVersion: "5" } } },
      { type: "MODIFIED", object: { kind: "ConfigMap", metadata: { name: "b", resourceVersion: "6" }, data: { big: "x".repeat(5000) } } },
      { type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { resourceVersion: "7" } } },
    ];
    const bytes = Buffer.from(events.map((e) => JSON.stringify(e)).join("\n") + "\n\n");
    const srv = await rawServer(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      // 3-byte pieces with pauses over the first event (splitting its multi-byte characters on
      // the wire), then 7-byte pieces written back to back.
      for (let i = 0; i < bytes.length; ) {
        const n = i < 120 ? 3 : 7;
        res.write(bytes.subarray(i, i + n));
        i += n;
        if (i < 120) await new Promise((r) => setTimeout(r, 2));
      }
      res.end();
    });
    const rest = new RestClient({ server: srv.url });
    const got: WatchEvent[] = [];
    for await (const ev of rest.resource(findResource("", "v1", "configmaps")!, "ns").watch({ resourceVersion: "4" })) got.push(ev);
    expect(got).toEqual(events);
    rest.close();
    await srv.close();
  });

  it("turns plain-text errors into typed errors by HTTP code, and 410 into ExpiredError", async () => {
    const srv = await rawServer((req, res) => {
      if (req.url?.includes("watch=true")) {
        res.writeHead(410, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410, message: "too old" }));
      }
      if (req.url?.includes("/configmaps/bad")) {
        res.writeHead(422, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Invalid", code: 422, message: "bad", details: { causes: [{ field: "data" }] } }));
      }
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("404 page not found\n");
    });
    const rest = new RestClient({ server: srv.url });
    const c = rest.resource(findResource("", "v1", "configmaps")!, "ns");
    const nf = await c.get("x").catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect((nf as Error).message).toBe("404 page not found");
    const inv = await c.get("bad").catch((e: unknown) => e);
    expect(isInvalid(inv)).toBe(true);
    const watch = c.watch({ resourceVersion: "1" });
    await expect(watch.next()).rejects.toBeInstanceOf(ExpiredError);
    rest.close();
    await srv.close();
  });

  it("reports an unreachable server as a retryable ConnectionError", async () => {
    const srv = await rawServer(() => {});
    const url = srv.url;
    await srv.close();
    const rest = new RestClient({ server: url });
    const err = await rest.request({ path: "/version" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(isRetryable(err)).toBe(true);
    expect((err as ConnectionError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/GET \/version: cannot reach the apiserver/);
  });

  it("times out slow requests as ConnectionError", async () => {
    const srv = await rawServer(() => {});
    const rest = new RestClient({ server: srv.url, timeoutMs: 50 });
    const err = await rest.request({ path: "/slow" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/no response within 50 ms/);
    rest.close();
    await srv.close();
  });

  it("sends content types for patches, dryRun and delete options", async () => {
    const seen: { method?: string; url?: string; ct?: string; body: string }[] = [];
    const srv = await rawServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, ct: req.headers["content-type"], body });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("{}");
      });
    });
    const rest = new RestClient({ server: srv.url });
    const d = rest.resource(deployments as ResourceInfo, "default");
    await d.patch("web", { spec: { replicas: 2 } }, "strategic");
    await d.patch("web", [{ op: "replace", path: "/spec/replicas", value: 3 }], "json");
    await d.patch("web", { apiVersion: "apps/v1", kind: "Deployment" }, "apply", { fieldManager: "m", force: true });
    await d.create({ metadata: { name: "x" } }, { dryRun: true });
    await d.delete("web", { propagationPolicy: "Foreground", gracePeriodSeconds: 0 });
    expect(seen.map((s) => s.ct)).toEqual([
      "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml", "application/json", "application/json",
    ]);
    expect(seen[2].url).toBe("/apis/apps/v1/namespaces/default/deployments/web?fieldManager=m&force=true");
    expect(seen[3].url).toContain("dryRun=All");
    expect(JSON.parse(seen[4].body)).toMatchObject({ kind: "DeleteOptions", propagationPolicy: "Foreground", gracePeriodSeconds: 0 });
    rest.close();
    await srv.close();
  });
});
