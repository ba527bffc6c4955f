import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./network.js";

const now = new Date("2024-02-10T18:00:00Z");
const meta = (name: string) => ({ name, namespace: "default", creationTimestamp: "2024-01-29T18:00:00Z" });
const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KObject => ({ metadata: meta("s"), spec, status });

describe("service printer", () => {
  it("prints the kubernetes service as in the seed transcript", () => {
    const s: KObject = { metadata: meta("kubernetes"), spec: { type: "ClusterIP", clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1"], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] } };
    expect(servicePrinter.columns.map((c) => c.name)).toEqual(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"]);
    expect(servicePrinter.cells(s, now)).toEqual(["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "12d", "<none>"]);
  });

  it("prints node ports, several ports and the selector", () => {
    const s = svc({ type: "NodePort", clusterIP: "10.96.3.4", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { tier: "web", app: "vote" } });
    expect(servicePrinter.cells(s, now)).toEqual(["s", "NodePort", "10.96.3.4", "<none>", "80:30080/TCP,53/UDP", "12d", "app=vote,tier=web"]);
  });

  it("prints <pending> for a load balancer without ingress, and the ingress once it has one", () => {
    expect(servicePrinter.cells(svc({ type: "LoadBalancer", clusterIP: "10.96.0.9", ports: [{ port: 80 }] }), now)[3]).toBe("<pending>");
    const lb = svc({ type: "LoadBalancer", externalIPs: ["1.2.3.4"], ports: [] }, { loadBalancer: { ingress: [{ ip: "172.18.0.10" }, { hostname: "lb.example" }] } });
    const cells = servicePrinter.cells(lb, now);
    expect(cells[3]).toBe("172.18.0.10,lb.example,1.2.3.4");
    expect(cells[4]).toBe("<none>");
  });

  it("prints headless and external-name services", () => {
    expect(servicePrinter.cells(svc({ clusterIP: "None", ports: [{ port: 80 }] }), now).slice(1, 5)).toEqual(["ClusterIP", "None", "<none>", "80/TCP"]);
    expect(servicePrinter.cells(svc({ type: "ExternalName", externalName: "db.example.com" }), now).slice(1, 4)).toEqual(["ExternalName", "<none>", "db.example.com"]);
    expect(servicePrinter.cells(svc({ type: "ClusterIP", externalIPs: ["5.6.7.8", "5.6.7.9"] }), now)[3]).toBe("5.6.7.8,5.6.7.9");
  });
});

describe("endpoints printers", () => {
  it("lists at most three ip:port pairs, then how many more", () => {
    const ep: KObject = {
      metadata: meta("web"),
      subsets: [
        { addresses: [{ ip: "10.244.0.5" }, { ip: "10.244.1.3" }], ports: [{ port: 80 }] },
        { addresses: [{ ip: "10.244.2.2" }, { ip: "10.244.2.3" }, { ip: "10.244.2.4" }], ports: [{ port: 80 }] },
      ],
    };
    expect(endpointsPrinter.cells(ep, now)).toEqual(["web", "10.244.0.5:80,10.244.1.3:80,10.244.2.2:80 + 2 more...", "12d"]);
  });

  it("prints <none> without subsets, bare IPs without ports, and brackets IPv6", () => {
    expect(endpointsPrinter.cells({ metadata: meta("e") }, now)[1]).toBe("<none>");
    expect(endpointsPrinter.cells({ metadata: meta("e"), subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] }, now)[1]).toBe("10.0.0.1");
    expect(endpointsPrinter.cells({ metadata: meta("e"), subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 8080 }] }] }, now)[1]).toBe("[fd00::1]:8080");
  });

  it("prints endpoint slices", () => {
    const slice: KObject = {
      metadata: meta("web-abc12"),
      addressType: "IPv4",
      ports: [{ name: "http", port: 80 }, { name: "metrics" }, { port: null }],
      endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }, { addresses: ["10.0.0.3"] }, { addresses: ["10.0.0.4"] }],
    };
    expect(endpointSlicePrinter.columns.map((c) => c.name)).toEqual(["Name", "AddressType", "Ports", "Endpoints", "Age"]);
    expect(endpointSlicePrinter.cells(slice, now)).toEqual(["web-abc12", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "12d"]);
    expect(endpointSlicePrinter.cells({ metadata: meta("empty"), addressType: "IPv4" }, now).slice(2, 4)).toEqual(["<unset>", "<unset>"]);
  });
});
