import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "@kates/api";
import { buildServiceMap, endpointsFor, ServiceMapCache, servicePorts } from "./service-map.js";

const svc = (spec: Service["spec"], status?: Service["status"]): Service => ({ metadata: { namespace: "default", name: "web" }, spec, ...(status && { status }) });
const slice = (endpoints: EndpointSlice["endpoints"], ports: EndpointSlice["ports"] = [{ name: "http", port: 8080, protocol: "TCP" }], addressType: EndpointSlice["addressType"] = "IPv4"): EndpointSlice => ({
  metadata: { namespace: "default", name: `web-${Math.random()}`, labels: { "kubernetes.io/service-name": "web" } },
  addressType,
  endpoints,
  ports,
});

describe("endpointsFor", () => {
  const port = { name: "http", port: 80, protocol: "TCP" as const };

  it("takes ready endpoints from every slice, merges duplicates and sorts by address", () => {
    const eps = endpointsFor(port, [
      slice([{ addresses: ["10.244.1.10"], conditions: { ready: true } }, { addresses: ["10.244.1.9"] }]),
      slice([{ addresses: ["10.244.2.5"], conditions: { ready: true }, nodeName: "n2" }, { addresses: ["10.244.1.10"], conditions: { ready: true } }]),
    ]);
    expect(eps).toEqual([
      { ip: "10.244.1.9", port: 8080 },
      { ip: "10.244.1.10", port: 8080 },
      { ip: "10.244.2.5", port: 8080, nodeName: "n2" },
    ]);
  });

  it("leaves out not-ready endpoints, but falls back to serving terminating ones when nothing is ready", () => {
    const notReady = { addresses: ["10.244.1.2"], conditions: { ready: false, serving: false, terminating: false } };
    const terminating = { addresses: ["10.244.1.3"], conditions: { ready: false, serving: true, terminating: true } };
    expect(endpointsFor(port, [slice([notReady, terminating, { addresses: ["10.244.1.4"], conditions: { ready: true } }])])).toEqual([{ ip: "10.244.1.4", port: 8080 }]);
    expect(endpointsFor(port, [slice([notReady, terminating])])).toEqual([{ ip: "10.244.1.3", port: 8080 }]);
    expect(endpointsFor(port, [slice([notReady])])).toEqual([]);
  });

  it("matches the slice port by name and protocol, and ignores non-IPv4 slices", () => {
    const s = slice([{ addresses: ["10.244.1.2"] }], [{ name: "http", port: 8080, protocol: "UDP" }, { name: "metrics", port: 9090, protocol: "TCP" }]);
    expect(endpointsFor(port, [s])).toEqual([]);
    expect(endpointsFor({ name: "http", port: 80, protocol: "UDP" }, [s])).toEqual([{ ip: "10.244.1.2", port: 8080 }]);
    expect(endpointsFor(port, [slice([{ addresses: ["fd00::1"] }], undefined, "IPv6")])).toEqual([]);
  });
});

describe("servicePorts", () => {

  it("carries internalTrafficPolicy Local, the health check port of a Local LoadBalancer, and the terminating fallback", () => {
    const lb = svc({ type: "LoadBalancer", clusterIP: "10.96.0.20", externalTrafficPolicy: "Local", internalTrafficPolicy: "Local", healthCheckNodePort: 31000, ports: [{ name: "http", port: 80, nodePort: 30080, protocol: "TCP" }] });
    const [p] = servicePorts(lb, [slice([{ addresses: ["10.244.1.3"], conditions: { ready: false, serving: true, terminating: true } }])]);
    expect(p).toMatchObject({ internalPolicyLocal: true, externalPolicyLocal: true, healthCheckNodePort: 31000, terminatingFallback: true });
    const [ready] = servicePorts(lb, [slice([{ addresses: ["10.244.1.3"] }])]);
    expect(ready!.terminatingFallback).toBeUndefined();
    // Cluster policies, or a NodePort (no load balancer to probe it), carry neither.
    const np = servicePorts(svc({ ...structuredClone(lb.spec!), type: "NodePort", internalTrafficPolicy: "Cluster" }), [])[0]!;
    expect(np.internalPolicyLocal).toBeUndefined();
    expect(np.healthCheckNodePort).toBeUndefined();
    expect(servicePorts(svc({ ...structuredClone(lb.spec!), externalTrafficPolicy: "Cluster" }), [])[0]!.healthCheckNodePort).toBeUndefined();
  });
  it("resolves a NodePort Service with session affinity into one entry per port", () => {
    const s = svc({ type: "NodePort", clusterIP: "10.96.0.20", sessionAffinity: "ClientIP", ports: [{ name: "http", port: 80, nodePort: 30080, protocol: "TCP" }, { name: "dns", port: 53, nodePort: 30053, protocol: "UDP" }] });
    const [http, dns] = servicePorts(s, [slice([{ addresses: ["10.244.1.2"] }])]);
    expect(http).toMatchObject({ key: "default/web:http", protocol: "tcp", clusterIP: "10.96.0.20", port: 80, nodePort: 30080, affinitySeconds: 10_800, endpoints: [{ ip: "10.244.1.2", port: 8080 }] });
    expect(dns).toMatchObject({ key: "default/web:dns", protocol: "udp", nodePort: 30053, endpoints: [] });
  });

  it("keeps nodePort only for NodePort and LoadBalancer types, and LoadBalancer IPs only for LoadBalancer", () => {
    const ports = [{ port: 80, nodePort: 30080 }];
    expect(servicePorts(svc({ type: "ClusterIP", clusterIP: "10.96.0.1", ports }), [])[0]!.nodePort).toBeUndefined();
    const lb = servicePorts(svc({ type: "LoadBalancer", clusterIP: "10.96.0.1", ports, loadBalancerSourceRanges: ["10.0.0.0/8"], sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }, { loadBalancer: { ingress: [{ ip: "192.168.50.10" }, { hostname: "x.example" }] } }), [])[0]!;
    expect(lb).toMatchObject({ nodePort: 30080, loadBalancerIPs: ["192.168.50.10"], loadBalancerSourceRanges: ["10.0.0.0/8"] });
    expect(lb.affinitySeconds).toBeUndefined();
    expect(lb.key).toBe("default/web:");
  });

  it("marks externalTrafficPolicy Local only on NodePort and LoadBalancer Services", () => {
    const ports = [{ port: 80, nodePort: 30080 }];
    expect(servicePorts(svc({ type: "NodePort", clusterIP: "10.96.0.1", externalTrafficPolicy: "Local", ports }), [])[0]!.externalPolicyLocal).toBe(true);
    expect(servicePorts(svc({ type: "LoadBalancer", clusterIP: "10.96.0.1", externalTrafficPolicy: "Local", ports }), [])[0]!.externalPolicyLocal).toBe(true);
    expect(servicePorts(svc({ type: "NodePort", clusterIP: "10.96.0.1", externalTrafficPolicy: "Cluster", ports }), [])[0]).not.toHaveProperty("externalPolicyLocal");
    expect(servicePorts(svc({ type: "ClusterIP", clusterIP: "10.96.0.1", externalTrafficPolicy: "Local", ports }), [])[0]).not.toHaveProperty("externalPolicyLocal");
  });

  it("skips headless and ExternalName Services", () => {
    expect(servicePorts(svc({ clusterIP: "None", ports: [{ port: 80 }] }), [])).toEqual([]);
    expect(servicePorts(svc({ type: "ExternalName", externalName: "example.org", ports: [{ port: 80 }] }), [])).toEqual([]);
  });
});

describe("buildServiceMap", () => {
  it("looks slices up per Service and sorts the result by key", () => {
    const a: Service = { metadata: { namespace: "b", name: "a" }, spec: { clusterIP: "10.96.0.2", ports: [{ port: 80 }] } };
    const b: Service = { metadata: { namespace: "a", name: "z" }, spec: { clusterIP: "10.96.0.3", ports: [{ port: 80 }] } };
    const asked: string[] = [];
    const map = buildServiceMap([a, b], (ns, name) => (asked.push(`${ns}/${name}`), []));
    expect(map.map((p) => p.key)).toEqual(["a/z:", "b/a:"]);
    expect(asked.sort()).toEqual(["a/z", "b/a"]);
  });
});

describe("ServiceMapCache", () => {
  it("reuses a Service's entries while its object and slices keep their resourceVersions", () => {
    const s = (rv: string): Service => ({ metadata: { namespace: "default", name: "web", uid: "u1", resourceVersion: rv }, spec: { clusterIP: "10.96.0.2", ports: [{ name: "http", port: 80 }] } });
    let sl = [{ ...slice([{ addresses: ["10.244.1.2"] }]), metadata: { namespace: "default", name: "web-1", uid: "s1", resourceVersion: "5", labels: {} } }];
    const cache = new ServiceMapCache();
    const [a] = cache.build([s("1")], () => sl);
    const [b] = cache.build([s("1")], () => sl);
    expect(b).toBe(a);
    sl = [{ ...sl[0]!, endpoints: [{ addresses: ["10.244.1.3"] }], metadata: { ...sl[0]!.metadata, resourceVersion: "6" } }];
    const [c] = cache.build([s("1")], () => sl);
    expect(c).not.toBe(a);
    expect(c!.endpoints).toEqual([{ ip: "10.244.1.3", port: 8080 }]);
    const [d] = cache.build([s("2")], () => sl);
    expect(d).not.toBe(c);
    expect(cache.build([], () => sl)).toEqual([]);
  });
});
