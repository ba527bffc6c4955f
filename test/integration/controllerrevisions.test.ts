// apps/v1 ControllerRevisions against a real apiserver on a real 3-member etcd: create, get,
// list, the 422s validation returns (bad revision, changed data), and `kubectl get`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";
import { kubectl } from "../harness/kubectl.js";
import { Api } from "./api-client.js";

let etcd: EtcdCluster;
let server: StartedApiServer;
let api: Api;
const CR = "/apis/apps/v1/namespaces/default/controllerrevisions";

const revision = (name: string, n: number, image = "nginx:1.24") => ({
  apiVersion: "apps/v1",
  kind: "ControllerRevision",
  metadata: { name, labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "0b9c6f4e-1111-2222-3333-444455556666", controller: true }] },
  data: { spec: { template: { $patch: "replace", spec: { containers: [{ name: "nginx", image }] } } } },
  revision: n,
});

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "crev" });
  server = await startApiServer({ etcdEndpoints: etcd.endpoints });
  api = new Api(server.url);
});

afterAll(async () => {
  await server?.stop();
  await etcd?.stop();
});

describe("ControllerRevision", () => {
  it("is discoverable under apps/v1", async () => {
    const res = await api.get("/apis/apps/v1");
    const cr = res.body.resources.find((r: any) => r.name === "controllerrevisions");
    expect(cr).toMatchObject({ kind: "ControllerRevision", namespaced: true });
  });

  it("creates, gets and lists revisions with their arbitrary data", async () => {
    expect((await api.post(CR, revision("web-aaa", 1))).status).toBe(201);
    expect((await api.post(CR, revision("web-bbb", 2, "nginx:1.25"))).status).toBe(201);
    const got = await api.get(`${CR}/web-bbb`);
    expect(got.body.revision).toBe(2);
    expect(got.body.data.spec.template.spec.containers[0].image).toBe("nginx:1.25");
    expect(got.body.data.spec.template.$patch).toBe("replace");
    const list = await api.get(`${CR}?labelSelector=app%3Dweb`);
    expect(list.body.kind).toBe("ControllerRevisionList");
    expect(list.body.items.map((i: any) => [i.metadata.name, i.revision])).toEqual([["web-aaa", 1], ["web-bbb", 2]]);
  });

  it("rejects a negative revision with a 422 naming revision", async () => {
    const res = await api.post(CR, revision("web-neg", -1));
    expect(res.status).toBe(422);
    expect(res.body.details.causes[0].field).toBe("revision");
  });

  it("keeps data immutable but lets the revision be renumbered", async () => {
    const cur = (await api.get(`${CR}/web-aaa`)).body;
    const changed = await api.put(`${CR}/web-aaa`, { ...cur, data: { spec: { template: { spec: { containers: [{ name: "x", image: "x" }] } } } } });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes[0].field).toBe("data");
    const renumbered = await api.put(`${CR}/web-aaa`, { ...cur, revision: 3 });
    expect(renumbered.status).toBe(200);
    expect(renumbered.body.revision).toBe(3);
  });

  it("prints NAME, CONTROLLER, REVISION, AGE with kubectl get", async () => {
    const r = await kubectl(["get", "controllerrevisions"], { server: server.url });
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n").map((l) => l.split(/\s+/));
    expect(lines[0]).toEqual(["NAME", "CONTROLLER", "REVISION", "AGE"]);
    expect(lines.slice(1).map((l) => l.slice(0, 3))).toEqual([["web-aaa", "statefulset.apps/web", "3"], ["web-bbb", "statefulset.apps/web", "2"]]);
    const ar = await kubectl(["api-resources", "--api-group=apps"], { server: server.url });
    expect(ar.stdout).toMatch(/^controllerrevisions\s+apps\/v1\s+true\s+ControllerRevision$/m);
  });
});
