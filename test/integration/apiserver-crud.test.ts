// CRUD, Status errors, metadata rules and subresources against a real apiserver process on
// a real 3-member etcd cluster.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";
import { Api, deployment, pod, service } from "./api-client.js";

let etcd: EtcdCluster;
let server: StartedApiServer;
let api: Api;
const NS = "/api/v1/namespaces/default";
const APPS = "/apis/apps/v1/namespaces/default";

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "crud" });
  server = await startApiServer({ etcdEndpoints: etcd.endpoints });
  api = new Api(server.url);
});

afterAll(async () => {
  await server?.stop();
  await etcd?.stop();
});

describe("bootstrap", () => {
  it("creates the system namespaces and the kubernetes Service with its Endpoints", async () => {
    const ns = await api.get("/api/v1/namespaces");
    expect(ns.body.items.map((n: any) => n.metadata.name).sort()).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    expect(ns.body.items.every((n: any) => n.status.phase === "Active")).toBe(true);
    const svc = await api.get(`${NS}/services/kubernetes`);
    expect(svc.body.spec.clusterIP).toBe("10.96.0.1");
    expect(svc.body.spec.ports[0]).toMatchObject({ name: "https", port: 443, protocol: "TCP", targetPort: server.port });
    expect(svc.body.metadata.labels).toEqual({ component: "apiserver", provider: "kubernetes" });
    const ep = await api.get(`${NS}/endpoints/kubernetes`);
    expect(ep.body.subsets[0].addresses).toEqual([{ ip: "127.0.0.1" }]);
    expect(ep.body.subsets[0].ports[0].port).toBe(server.port);
  });

  it("reports a 1.32 server and health", async () => {
    expect((await api.get("/version")).body).toMatchObject({ major: "1", minor: "32" });
    expect((await api.get("/healthz")).status).toBe(200);
    expect((await api.get("/readyz")).status).toBe(200);
    const metrics = await api.get("/metrics");
    expect(metrics.body).toMatch(/apiserver_request_total\{verb="GET"/);
  });
});

describe("create, get, update, delete", () => {
  it("creates with server-owned metadata and defaults", async () => {
    const res = await api.post(`${NS}/pods`, pod("crud-a"));
    expect(res.status).toBe(201);
    const m = res.body.metadata;
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    expect(m.namespace).toBe("default");
    expect(res.body.spec.restartPolicy).toBe("Always");
    expect(res.body.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(res.body.status.phase).toBe("Pending");
    const got = await api.get(`${NS}/pods/crud-a`);
    expect(got.body.metadata.resourceVersion).toBe(m.resourceVersion);
  });

  it("fills generateName", async () => {
    const res = await api.post(`${NS}/pods`, { ...pod(""), metadata: { generateName: "gen-" } });
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("answers a duplicate create with 409 AlreadyExists", async () => {
    await api.post(`${NS}/pods`, pod("crud-dup"));
    const res = await api.post(`${NS}/pods`, pod("crud-dup"));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ kind: "Status", status: "Failure", reason: "AlreadyExists", code: 409, message: 'pods "crud-dup" already exists' });
  });

  it("answers a missing object with 404 NotFound naming it", async () => {
    const res = await api.get(`${APPS}/deployments/nope`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ reason: "NotFound", message: 'deployments.apps "nope" not found', details: { name: "nope", group: "apps", kind: "deployments" } });
  });

  it("answers a stale resourceVersion with 409 Conflict and keeps the newer write", async () => {
    const created = (await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-stale" }, data: { a: "1" } })).body;
    const first = await api.put(`${NS}/configmaps/cm-stale`, { ...created, data: { a: "2" } });
    expect(first.status).toBe(200);
    const stale = await api.put(`${NS}/configmaps/cm-stale`, { ...created, data: { a: "3" } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    expect(stale.body.message).toContain("the object has been modified");
    expect((await api.get(`${NS}/configmaps/cm-stale`)).body.data).toEqual({ a: "2" });
  });

  it("bumps generation on spec changes only, and keeps status out of main-resource writes", async () => {
    const d = (await api.post(`${APPS}/deployments`, deployment("gen"))).body;
    expect(d.metadata.generation).toBe(1);
    const labelled = await api.patch(`${APPS}/deployments/gen`, { metadata: { labels: { tier: "x" } } }, "application/merge-patch+json");
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await api.patch(`${APPS}/deployments/gen`, { spec: { replicas: 5 }, status: { replicas: 99 } }, "application/merge-patch+json");
    expect(scaled.body.metadata.generation).toBe(2);
    expect(scaled.body.status?.replicas).toBeUndefined();
    const status = await api.put(`${APPS}/deployments/gen/status`, { ...scaled.body, spec: { ...scaled.body.spec, replicas: 1 }, status: { observedGeneration: 2, replicas: 5 } });
    expect(status.status).toBe(200);
    expect(status.body.status).toEqual({ observedGeneration: 2, replicas: 5 });
    expect(status.body.spec.replicas).toBe(5);
    expect(status.body.metadata.generation).toBe(2);
  });

  it("serves the scale subresource as autoscaling/v1 Scale and bumps generation", async () => {
    await api.post(`${APPS}/deployments`, deployment("scaled", 3));
    const scale = await api.get(`${APPS}/deployments/scaled/scale`);
    expect(scale.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 3 }, status: { selector: "app=scaled" } });
    const patched = await api.patch(`${APPS}/deployments/scaled/scale`, { spec: { replicas: 6 } }, "application/merge-patch+json");
    expect(patched.body.spec.replicas).toBe(6);
    const d = (await api.get(`${APPS}/deployments/scaled`)).body;
    expect(d.spec.replicas).toBe(6);
    expect(d.metadata.generation).toBe(2);
    const stale = await api.req("PUT", `${APPS}/deployments/scaled/scale`, JSON.stringify({ ...scale.body, spec: { replicas: 2 } }), {});
    expect(stale.status).toBe(409);
  });

  it("binds a pod to a node once", async () => {
    await api.post(`${NS}/pods`, pod("bindme"));
    const b = await api.post(`${NS}/pods/bindme/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "bindme" }, target: { kind: "Node", name: "node-1" } });
    expect(b.status).toBe(201);
    const p = (await api.get(`${NS}/pods/bindme`)).body;
    expect(p.spec.nodeName).toBe("node-1");
    expect(p.status.conditions.find((c: any) => c.type === "PodScheduled").status).toBe("True");
    const again = await api.post(`${NS}/pods/bindme/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "bindme" }, target: { kind: "Node", name: "node-2" } });
    expect(again.status).toBe(409);
  });

  it("deletes gracefully a pod bound to a node, at once an unbound one", async () => {
    await api.post(`${NS}/pods`, pod("graceful"));
    await api.post(`${NS}/pods/graceful/binding`, { target: { name: "node-1" }, metadata: { name: "graceful" } });
    const d = await api.del(`${NS}/pods/graceful`);
    expect(d.status).toBe(200);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await api.get(`${NS}/pods/graceful`)).status).toBe(200);
    // A status write during the grace period (the kubelet reporting termination) keeps it.
    const terminating = (await api.get(`${NS}/pods/graceful`)).body;
    const st = await api.put(`${NS}/pods/graceful/status`, { ...terminating, status: { ...terminating.status, phase: "Running" } });
    expect(st.status).toBe(200);
    expect((await api.get(`${NS}/pods/graceful`)).status).toBe(200);
    const force = await api.del(`${NS}/pods/graceful`, { gracePeriodSeconds: 0 });
    expect(force.status).toBe(200);
    expect((await api.get(`${NS}/pods/graceful`)).status).toBe(404);
    await api.post(`${NS}/pods`, pod("unbound"));
    await api.del(`${NS}/pods/unbound`);
    expect((await api.get(`${NS}/pods/unbound`)).status).toBe(404);
  });

  it("keeps an object with finalizers until they are removed", async () => {
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fin", finalizers: ["example.com/hold"] } });
    const d = await api.del(`${NS}/configmaps/fin`);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    expect((await api.get(`${NS}/configmaps/fin`)).status).toBe(200);
    await api.patch(`${NS}/configmaps/fin`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    expect((await api.get(`${NS}/configmaps/fin`)).status).toBe(404);
  });

  it("adds the orphan or foregroundDeletion finalizer for those propagation policies", async () => {
    await api.post(`${APPS}/deployments`, deployment("orphaned"));
    const d = await api.del(`${APPS}/deployments/orphaned`, { propagationPolicy: "Orphan" });
    expect(d.body.metadata.finalizers).toEqual(["orphan"]);
    await api.post(`${APPS}/deployments`, deployment("fg"));
    const f = await api.del(`${APPS}/deployments/fg?propagationPolicy=Foreground`);
    expect(f.body.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("stores nothing on dryRun=All", async () => {
    const res = await api.post(`${NS}/pods?dryRun=All`, pod("dry"));
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toBe("dry");
    expect((await api.get(`${NS}/pods/dry`)).status).toBe(404);
  });

  it("deletes a collection by label", async () => {
    for (const n of ["dc-1", "dc-2", "dc-3"]) await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n, labels: { batch: n === "dc-3" ? "keep" : "drop" } } });
    const res = await api.del(`${NS}/configmaps?labelSelector=batch%3Ddrop`);
    expect(res.status).toBe(200);
    const left = await api.get(`${NS}/configmaps?labelSelector=batch`);
    expect(left.body.items.map((c: any) => c.metadata.name)).toEqual(["dc-3"]);
  });
});

describe("bad input is rejected with a Status and stores nothing", () => {
  const expectRejected = async (res: any, code: number, reason: string, text: RegExp) => {
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason, code });
    expect(res.body.message).toMatch(text);
  };

  it("malformed JSON and YAML", async () => {
    await expectRejected(await api.req("POST", `${NS}/pods`, "{not json", { "content-type": "application/json" }), 400, "BadRequest", /json/);
    await expectRejected(await api.req("POST", `${NS}/pods`, "a: [b", { "content-type": "application/yaml" }), 400, "BadRequest", /yaml/);
  });

  it("an unknown resource or group version", async () => {
    await expectRejected(await api.get("/apis/nope.example.com/v1/things"), 404, "NotFound", /could not find the requested resource/);
    await expectRejected(await api.get(`${NS}/widgets`), 404, "NotFound", /could not find/);
  });

  it("a kind or apiVersion that does not match the URL", async () => {
    await expectRejected(await api.post(`${NS}/pods`, { ...pod("k"), kind: "Service" }), 400, "BadRequest", /kind in the data \(Service\)/);
  });

  it("a body namespace different from the URL's", async () => {
    const res = await api.post(`${NS}/pods`, { ...pod("nsm"), metadata: { name: "nsm", namespace: "kube-system" } });
    await expectRejected(res, 400, "BadRequest", /namespace of the provided object does not match/);
    expect((await api.get(`${NS}/pods/nsm`)).status).toBe(404);
    expect((await api.get(`/api/v1/namespaces/kube-system/pods/nsm`)).status).toBe(404);
  });

  it("an invalid name or label, with the field named", async () => {
    const res = await api.post(`${NS}/pods`, pod("Bad_Name"));
    await expectRejected(res, 422, "Invalid", /^Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
    expect(res.body.details.causes[0].field).toBe("metadata.name");
    const lab = await api.post(`${NS}/pods`, pod("ok-name", { "bad key!": "v" }));
    await expectRejected(lab, 422, "Invalid", /metadata.labels/);
    expect((await api.get(`${NS}/pods/ok-name`)).status).toBe(404);
  });

  it("negative replicas and a selector that does not match the template", async () => {
    const neg = deployment("neg", -1);
    await expectRejected(await api.post(`${APPS}/deployments`, neg), 422, "Invalid", /spec.replicas/);
    const mismatch = deployment("mm");
    mismatch.spec.selector.matchLabels = { app: "other" };
    await expectRejected(await api.post(`${APPS}/deployments`, mismatch), 422, "Invalid", /spec.template.metadata.labels/);
    expect((await api.get(`${APPS}/deployments/neg`)).status).toBe(404);
  });

  it("a changed immutable field (Deployment selector)", async () => {
    const d = (await api.post(`${APPS}/deployments`, deployment("immut"))).body;
    const changed = structuredClone(d);
    changed.spec.selector.matchLabels = { app: "immut", v: "2" };
    changed.spec.template.metadata.labels = { app: "immut", v: "2" };
    await expectRejected(await api.put(`${APPS}/deployments/immut`, changed), 422, "Invalid", /spec.selector.*field is immutable/);
    expect((await api.get(`${APPS}/deployments/immut`)).body.spec.selector.matchLabels).toEqual({ app: "immut" });
  });

  it("unknown fields: rejected under Strict, warned under Warn, never stored", async () => {
    const body = { ...pod("unk"), spec: { containers: [{ name: "c", image: "nginx" }], bogus: 1 } };
    await expectRejected(await api.post(`${NS}/pods?fieldValidation=Strict`, body), 400, "BadRequest", /strict decoding error: unknown field "spec.bogus"/);
    const warn = await api.post(`${NS}/pods?fieldValidation=Warn`, body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toContain('unknown field \\"spec.bogus\\"');
    expect(warn.body.spec.bogus).toBeUndefined();
  });

  it("duplicate fields under Strict", async () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupe","name":"dupe"},"data":{"a":"1"}}';
    const res = await api.req("POST", `${NS}/configmaps?fieldValidation=Strict`, text, { "content-type": "application/json" });
    await expectRejected(res, 400, "BadRequest", /strict decoding error: duplicate field "metadata.name"/);
    expect((await api.get(`${NS}/configmaps/dupe`)).status).toBe(404);
  });

  it("a wrongly typed field (boolean label value)", async () => {
    const res = await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "typed", labels: { on: true } } });
    await expectRejected(res, 400, "BadRequest", /labels/);
  });

  it("an oversized body", async () => {
    const big = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { x: "y".repeat(4 * 1024 * 1024) } };
    const res = await api.post(`${NS}/configmaps`, big);
    expect(res.status).toBe(413);
    expect((await api.get(`${NS}/configmaps/big`)).status).toBe(404);
  });

  it("a namespace that does not exist", async () => {
    await expectRejected(await api.post("/api/v1/namespaces/ghost/pods", pod("p")), 404, "NotFound", /namespaces "ghost" not found/);
  });

  it("an unsupported patch type", async () => {
    await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pt" } });
    const res = await api.patch(`${NS}/configmaps/pt`, { data: { a: "b" } }, "text/plain");
    expect(res.status).toBe(415);
  });
});
