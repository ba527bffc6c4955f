// spec.healthCheckNodePort against a real apiserver and etcd: allocated from the node port range
// for LoadBalancer Services with externalTrafficPolicy Local, kept across updates, validated like
// nodePorts, and released (free for another Service to claim) when it is no longer needed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";
import { Api, service } from "./api-client.js";

let etcd: EtcdCluster;
let server: StartedApiServer;
let api: Api;
const NS = "/api/v1/namespaces/default";
const lbLocal = (name: string, extra: Record<string, unknown> = {}) => service(name, { type: "LoadBalancer", externalTrafficPolicy: "Local", ...extra });

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "hcport", members: 1 });
  server = await startApiServer({ etcdEndpoints: etcd.endpoints, extraArgs: ["--service-node-port-range=30000-30099"] });
  api = new Api(server.url);
});

afterAll(async () => {
  await server?.stop();
  await etcd?.stop();
});

describe("healthCheckNodePort", () => {
  it("is allocated for a Local LoadBalancer from the node port range, apart from its nodePorts, and not for others", async () => {
    const a = await api.post(`${NS}/services`, lbLocal("lb-a"));
    expect(a.status).toBe(201);
    const hc = a.body.spec.healthCheckNodePort;
    expect(hc).toBeGreaterThanOrEqual(30000);
    expect(hc).toBeLessThanOrEqual(30099);
    expect(hc).not.toBe(a.body.spec.ports[0].nodePort);
    expect((await api.get(`${NS}/services/lb-a`)).body.spec.healthCheckNodePort).toBe(hc);
    for (const spec of [{ type: "LoadBalancer", externalTrafficPolicy: "Cluster" }, { type: "NodePort", externalTrafficPolicy: "Local" }]) {
      const r = await api.post(`${NS}/services`, service(`no-hc-${spec.type.toLowerCase()}`, spec));
      expect(r.status).toBe(201);
      expect(r.body.spec.healthCheckNodePort).toBeUndefined();
    }
  });

  it("rejects a requested one that is taken (by a health check or a nodePort), out of range, or not needed", async () => {
    const a = (await api.get(`${NS}/services/lb-a`)).body;
    const taken = await api.post(`${NS}/services`, lbLocal("lb-b", { healthCheckNodePort: a.spec.healthCheckNodePort }));
    expect(taken.status).toBe(422);
    expect(taken.body.message).toContain(`spec.healthCheckNodePort: Invalid value: ${a.spec.healthCheckNodePort}: provided port is already allocated`);
    const asNodePort = await api.post(`${NS}/services`, lbLocal("lb-c", { healthCheckNodePort: a.spec.ports[0].nodePort }));
    expect(asNodePort.status).toBe(422);
    expect(asNodePort.body.message).toContain("spec.healthCheckNodePort");
    const np = await api.post(`${NS}/services`, service("np-on-hc", { type: "NodePort", ports: [{ port: 80, nodePort: a.spec.healthCheckNodePort }] }));
    expect(np.status).toBe(422);
    expect(np.body.message).toContain("spec.ports[0].nodePort: Invalid value");
    const out = await api.post(`${NS}/services`, lbLocal("lb-d", { healthCheckNodePort: 31000 }));
    expect(out.status).toBe(422);
    expect(out.body.message).toContain("spec.healthCheckNodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30099");
    const forbidden = await api.post(`${NS}/services`, service("cip", { healthCheckNodePort: 30050 }));
    expect(forbidden.status).toBe(422);
    expect(forbidden.body.message).toContain("spec.healthCheckNodePort: Forbidden");
    // A free one is claimed as asked.
    const asked = await api.post(`${NS}/services`, lbLocal("lb-e", { healthCheckNodePort: 30077 }));
    expect(asked.status).toBe(201);
    expect(asked.body.spec.healthCheckNodePort).toBe(30077);
  });

  it("survives a PUT that leaves it out and is released when the policy turns Cluster, or the Service is deleted", async () => {
    const cur = (await api.get(`${NS}/services/lb-a`)).body;
    const hc = cur.spec.healthCheckNodePort;
    const replaced = structuredClone(cur);
    delete replaced.spec.healthCheckNodePort;
    replaced.metadata.labels = { touched: "yes" };
    const put = await api.put(`${NS}/services/lb-a`, replaced);
    expect(put.status).toBe(200);
    expect(put.body.spec.healthCheckNodePort).toBe(hc);

    // kubectl edit style: the stored object with only the policy changed.
    const cluster = structuredClone(put.body);
    cluster.spec.externalTrafficPolicy = "Cluster";
    const upd = await api.put(`${NS}/services/lb-a`, cluster);
    expect(upd.status).toBe(200);
    expect(upd.body.spec.healthCheckNodePort).toBeUndefined();
    const reuse = await api.post(`${NS}/services`, service("np-reuse", { type: "NodePort", ports: [{ port: 80, nodePort: hc }] }));
    expect(reuse.status).toBe(201);

    // Back to Local: a new one; deleting the Service frees it.
    const local = structuredClone(upd.body);
    local.spec.externalTrafficPolicy = "Local";
    const back = await api.put(`${NS}/services/lb-a`, local);
    expect(back.status).toBe(200);
    const hc2 = back.body.spec.healthCheckNodePort;
    expect(hc2).toBeGreaterThanOrEqual(30000);
    expect(hc2).not.toBe(hc);
    expect((await api.del(`${NS}/services/lb-a`)).status).toBe(200);
    const after = await api.post(`${NS}/services`, lbLocal("lb-f", { healthCheckNodePort: hc2 }));
    expect(after.status).toBe(201);
    expect(after.body.spec.healthCheckNodePort).toBe(hc2);
  });
});
