// Several apiservers on one etcd cluster behave as one: no lost updates under concurrent
// writers, no duplicate ClusterIPs or NodePorts, and the API keeps serving when an etcd
// member dies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../harness/apiserver.js";
import { Api, service } from "./api-client.js";

let etcd: EtcdCluster;
let servers: StartedApiServer[];
let apis: Api[];
const NS = "/api/v1/namespaces/default";

beforeAll(async () => {
  etcd = await startEtcdCluster({ name: "ha" });
  servers = [await startApiServer({ etcdEndpoints: etcd.endpoints }), await startApiServer({ etcdEndpoints: etcd.endpoints })];
  apis = servers.map((s) => new Api(s.url));
});

afterAll(async () => {
  for (const s of servers ?? []) await s.stop();
  await etcd?.stop();
});

describe("two apiservers", () => {
  it("list both in the kubernetes Endpoints", async () => {
    await new Promise((r) => setTimeout(r, 500));
    const ep = (await apis[0].get(`${NS}/endpoints/kubernetes`)).body;
    const ports = ep.subsets.flatMap((s: any) => s.ports.map((p: any) => p.port)).sort();
    expect(ports).toEqual(servers.map((s) => s.port).sort());
  });

  it("never lose an update: read-modify-write with 409 retries from both", async () => {
    await apis[0].post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "counter" }, data: { n: "0" } });
    let conflicts = 0;
    const increment = async (api: Api) => {
      for (;;) {
        const cur = (await api.get(`${NS}/configmaps/counter`)).body;
        cur.data.n = String(Number(cur.data.n) + 1);
        const res = await api.put(`${NS}/configmaps/counter`, cur);
        if (res.status === 200) return;
        expect(res.status).toBe(409);
        conflicts++;
      }
    };
    const writers = Array.from({ length: 40 }, (_, i) => increment(apis[i % 2]));
    await Promise.all(writers);
    const final = (await apis[1].get(`${NS}/configmaps/counter`)).body;
    expect(final.data.n).toBe("40");
    expect(conflicts).toBeGreaterThan(0);
  });

  it("never hand out the same ClusterIP or NodePort", async () => {
    const creates = Array.from({ length: 40 }, (_, i) =>
      apis[i % 2].post(`${NS}/services`, service(`race-${i}`, { type: "NodePort", ports: [{ port: 80 }, { port: 443, name: "b" }].map((p, j) => ({ ...p, name: j ? "b" : "a" })) })),
    );
    const results = await Promise.all(creates);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const ips = results.map((r) => r.body.spec.clusterIP);
    const ports = results.flatMap((r) => r.body.spec.ports.map((p: any) => p.nodePort));
    expect(new Set(ips).size).toBe(40);
    expect(new Set(ports).size).toBe(80);
    for (const ip of ips) expect(ip).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
  });

  it("reject a taken or out-of-range port or IP, and release them on delete", async () => {
    const a = await apis[0].post(`${NS}/services`, service("np-a", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(a.status).toBe(201);
    const b = await apis[1].post(`${NS}/services`, service("np-b", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(b.status).toBe(422);
    expect(b.body.message).toContain("spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated");
    const out = await apis[1].post(`${NS}/services`, service("np-c", { type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] }));
    expect(out.status).toBe(422);
    expect(out.body.message).toContain("provided port is not in the valid range. The range of valid ports is 30000-32767");
    const ipTaken = await apis[1].post(`${NS}/services`, service("ip-b", { clusterIP: "10.96.0.1" }));
    expect(ipTaken.status).toBe(422);
    expect(ipTaken.body.message).toContain("provided IP is already allocated");
    const ipOut = await apis[1].post(`${NS}/services`, service("ip-c", { clusterIP: "192.168.0.1" }));
    expect(ipOut.status).toBe(422);
    expect(ipOut.body.message).toContain("The range of valid IPs is 10.96.0.0/12");
    expect((await apis[0].del(`${NS}/services/np-a`)).status).toBe(200);
    const again = await apis[1].post(`${NS}/services`, service("np-b", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(again.status).toBe(201);
  });

  it("switching a Service to ClusterIP releases its node ports", async () => {
    const s = (await apis[0].post(`${NS}/services`, service("sw", { type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] }))).body;
    s.spec.type = "ClusterIP";
    delete s.spec.ports[0].nodePort;
    const upd = await apis[0].put(`${NS}/services/sw`, s);
    expect(upd.status).toBe(200);
    expect(upd.body.spec.ports[0].nodePort).toBeUndefined();
    const reuse = await apis[1].post(`${NS}/services`, service("sw2", { type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] }));
    expect(reuse.status).toBe(201);
  });

  it("keep serving reads and writes with one etcd member down", async () => {
    await etcd.stopMember(0, { kill: true });
    try {
      for (const api of apis) {
        const name = `survivor-${api.url.split(":").pop()}`;
        const res = await api.post(`${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
        expect(res.status).toBe(201);
        expect((await api.get(`${NS}/configmaps/${name}`)).status).toBe(200);
      }
    } finally {
      await etcd.startMember(0);
    }
  });
});
