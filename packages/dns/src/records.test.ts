import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "@kates/api";
import { RecordIndex, reverseName } from "./records.js";
import { Rcode, RRType } from "./wire.js";

const svc = (name: string, spec: Service["spec"], namespace = "default"): Service => ({ metadata: { name, namespace }, spec });
const slice = (svcName: string, endpoints: EndpointSlice["endpoints"], ports: EndpointSlice["ports"] = []): EndpointSlice => ({
  metadata: { name: `${svcName}-abcde`, namespace: "default", labels: { "kubernetes.io/service-name": svcName } },
  addressType: "IPv4",
  endpoints,
  ports,
});

function build(): RecordIndex {
  const idx = new RecordIndex({ domain: "cluster.local", ttl: 5 });
  idx.rebuild(
    [
      svc("web", { clusterIP: "10.96.0.20", clusterIPs: ["10.96.0.20"], ports: [{ name: "http", port: 80, protocol: "TCP" }, { port: 81 }] }),
      svc("db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }),
      svc("empty", { clusterIP: "None" }),
      svc("ext", { type: "ExternalName", externalName: "example.com" }),
      svc("alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }),
      svc("other", { clusterIP: "10.96.0.30" }, "prod"),
    ],
    [
      slice("db", [
        { addresses: ["10.244.1.5"], hostname: "db-0", conditions: { ready: true } },
        { addresses: ["10.244.2.6"], conditions: {} },
        { addresses: ["10.244.3.7"], hostname: "db-2", conditions: { ready: false } },
      ], [{ name: "pg", port: 5432, protocol: "TCP" }]),
      slice("web", [{ addresses: ["10.244.9.9"], conditions: { ready: true } }]),
    ],
  );
  return idx;
}

const data = (r: { answers: { data: unknown }[] }) => r.answers.map((a) => a.data);

describe("RecordIndex", () => {
  const idx = build();

  it("answers a ClusterIP Service with its address, case-insensitively, keeping the asked case", () => {
    const r = idx.lookup("Web.Default.svc.cluster.local.", RRType.A);
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.answers).toEqual([{ name: "Web.Default.svc.cluster.local", type: RRType.A, class: 1, ttl: 5, data: { address: "10.96.0.20" } }]);
    expect(idx.lookup("other.prod.svc.cluster.local", RRType.A).answers).toHaveLength(1);
  });

  it("gives NODATA (not NXDOMAIN) for AAAA of a v4-only name and for empty non-terminals", () => {
    for (const [name, type] of [["web.default.svc.cluster.local", RRType.AAAA], ["default.svc.cluster.local", RRType.A], ["svc.cluster.local", RRType.A], ["empty.default.svc.cluster.local", RRType.A], ["_tcp.web.default.svc.cluster.local", RRType.A]] as const) {
      const r = idx.lookup(name, type);
      expect([name, r.rcode, r.answers]).toEqual([name, Rcode.NOERROR, []]);
      expect(r.authorities[0]?.type).toBe(RRType.SOA);
    }
  });

  it("gives NXDOMAIN for names that do not exist", () => {
    for (const name of ["nope.default.svc.cluster.local", "web.nope.svc.cluster.local", "web.default.default.svc.cluster.local", "x.cluster.local"]) {
      expect(idx.lookup(name, RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    }
  });

  it("answers SRV for named ports of a ClusterIP Service", () => {
    const r = idx.lookup("_http._tcp.web.default.svc.cluster.local", RRType.SRV);
    expect(data(r)).toEqual([{ priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }]);
    expect(r.additionals.map((a) => a.data)).toEqual([{ address: "10.96.0.20" }]);
    expect(idx.lookup("_http._udp.web.default.svc.cluster.local", RRType.SRV).rcode).toBe(Rcode.NXDOMAIN);
  });

  it("answers a headless Service with its ready endpoints, per-pod names and per-endpoint SRV", () => {
    expect(data(idx.lookup("db.default.svc.cluster.local", RRType.A))).toEqual([{ address: "10.244.1.5" }, { address: "10.244.2.6" }]);
    expect(data(idx.lookup("db-0.db.default.svc.cluster.local", RRType.A))).toEqual([{ address: "10.244.1.5" }]);
    expect(data(idx.lookup("10-244-2-6.db.default.svc.cluster.local", RRType.A))).toEqual([{ address: "10.244.2.6" }]);
    expect(idx.lookup("db-2.db.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    const srv = idx.lookup("_pg._tcp.db.default.svc.cluster.local", RRType.SRV);
    expect(data(srv)).toEqual([
      { priority: 0, weight: 50, port: 5432, target: "db-0.db.default.svc.cluster.local" },
      { priority: 0, weight: 50, port: 5432, target: "10-244-2-6.db.default.svc.cluster.local" },
    ]);
    expect(srv.additionals).toHaveLength(2);
  });

  it("answers ExternalName with a CNAME, chased locally or handed back for upstream", () => {
    const ext = idx.lookup("ext.default.svc.cluster.local", RRType.A);
    expect(data(ext)).toEqual([{ target: "example.com" }]);
    expect(ext.chase).toBe("example.com");
    const alias = idx.lookup("alias.default.svc.cluster.local", RRType.A);
    expect(data(alias)).toEqual([{ target: "web.default.svc.cluster.local" }, { address: "10.96.0.20" }]);
    expect(alias.chase).toBeUndefined();
  });

  it("answers PTR for ClusterIPs and named endpoints, and pod names", () => {
    expect(reverseName("10.96.0.20")).toBe("20.0.96.10.in-addr.arpa");
    expect(idx.knowsReverse("20.0.96.10.in-addr.arpa")).toBe(true);
    expect(idx.knowsReverse("1.1.1.1.in-addr.arpa")).toBe(false);
    expect(data(idx.lookup("5.1.244.10.in-addr.arpa", RRType.PTR))).toEqual([{ target: "db-0.db.default.svc.cluster.local" }]);
    expect(data(idx.lookup("10-244-1-7.default.pod.cluster.local", RRType.A))).toEqual([{ address: "10.244.1.7" }]);
    expect(idx.lookup("10-244-1-999.default.pod.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
  });

  it("follows a rebuild: removed Services disappear", () => {
    const i2 = new RecordIndex({ domain: "cluster.local", ttl: 30 });
    i2.rebuild([svc("web", { clusterIP: "10.96.0.20" })], []);
    expect(i2.lookup("web.default.svc.cluster.local", RRType.A).answers[0]?.ttl).toBe(30);
    i2.rebuild([], []);
    expect(i2.lookup("web.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    expect(i2.inDomain("a.cluster.local")).toBe(true);
    expect(i2.inDomain("example.com")).toBe(false);
  });
});
