import { describe, expect, it } from "vitest";
import type { Pod, Service } from "@kates/api";
import { computeSubsets, podPorts, resolveTargetPort } from "./endpoints-utils.js";

const svc = (ports: NonNullable<Service["spec"]>["ports"], selector: Record<string, string> | null = { app: "web" }): Service => ({
  metadata: { name: "web", namespace: "default", uid: "svc-uid" },
  spec: { selector: selector ?? undefined, ports },
});

interface PodOpts { ip?: string; ready?: boolean; phase?: string; deleting?: boolean; labels?: Record<string, string>; ports?: { name: string; containerPort: number }[] }
const pod = (name: string, o: PodOpts = {}): Pod => ({
  metadata: { name, namespace: "default", uid: `uid-${name}`, labels: o.labels ?? { app: "web" }, ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { nodeName: "n1", containers: [{ name: "c", image: "x", ports: o.ports ?? [{ name: "http", containerPort: 8080 }] }] },
  status: { phase: (o.phase ?? "Running") as "Running", podIP: o.ip, conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }] },
});

describe("resolveTargetPort", () => {
  it("uses numbers as is, defaults to the service port, and looks names up per pod", () => {
    const p = pod("a", { ports: [{ name: "http", containerPort: 9000 }] });
    expect(resolveTargetPort({ port: 80, targetPort: 8080 }, p)).toBe(8080);
    expect(resolveTargetPort({ port: 80 }, p)).toBe(80);
    expect(resolveTargetPort({ port: 80, targetPort: "http" }, p)).toBe(9000);
    expect(resolveTargetPort({ port: 80, targetPort: "metrics" }, p)).toBeUndefined();
    expect(resolveTargetPort({ port: 80, targetPort: "http", protocol: "UDP" }, p)).toBeUndefined();
  });

  it("leaves out only the ports a pod lacks, and the pod when it lacks them all", () => {
    const s = svc([{ name: "web", port: 80, targetPort: "http" }, { name: "metrics", port: 9090, targetPort: "metrics" }]);
    expect(podPorts(s, pod("a"))).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    expect(podPorts(s, pod("b", { ports: [] }))).toBeUndefined();
    expect(podPorts(svc([]), pod("c"))).toEqual([]);
  });
});

describe("computeSubsets", () => {
  it("splits ready from not-ready and skips pods without an IP, terminating or finished", () => {
    const s = svc([{ name: "web", port: 80, targetPort: 8080 }]);
    const subsets = computeSubsets(s, [
      pod("b", { ip: "10.0.0.2" }),
      pod("a", { ip: "10.0.0.1" }),
      pod("nr", { ip: "10.0.0.3", ready: false }),
      pod("pending", { ip: "10.0.0.4", phase: "Pending" }),
      pod("noip"),
      pod("gone", { ip: "10.0.0.5", deleting: true }),
      pod("done", { ip: "10.0.0.6", phase: "Succeeded" }),
      pod("other", { ip: "10.0.0.7", labels: { app: "db" } }),
    ]);
    expect(subsets).toHaveLength(1);
    expect(subsets[0]!.addresses!.map((a) => a.ip)).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(subsets[0]!.notReadyAddresses!.map((a) => a.ip)).toEqual(["10.0.0.3", "10.0.0.4"]);
    expect(subsets[0]!.ports).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    expect(subsets[0]!.addresses![0]).toEqual({ ip: "10.0.0.1", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" } });
  });

  it("groups pods by their resolved port set, one subset per set", () => {
    const s = svc([{ name: "web", port: 80, targetPort: "http" }]);
    const subsets = computeSubsets(s, [
      pod("a", { ip: "10.0.0.1", ports: [{ name: "http", containerPort: 8080 }] }),
      pod("b", { ip: "10.0.0.2", ports: [{ name: "http", containerPort: 9090 }] }),
      pod("c", { ip: "10.0.0.3", ports: [{ name: "http", containerPort: 8080 }], ready: false }),
      pod("d", { ip: "10.0.0.4", ports: [] }),
    ]);
    expect(subsets).toHaveLength(2);
    const by = Object.fromEntries(subsets.map((ss) => [ss.ports![0]!.port, ss]));
    expect(by[8080]!.addresses!.map((a) => a.ip)).toEqual(["10.0.0.1"]);
    expect(by[8080]!.notReadyAddresses!.map((a) => a.ip)).toEqual(["10.0.0.3"]);
    expect(by[9090]!.addresses!.map((a) => a.ip)).toEqual(["10.0.0.2"]);
    expect(by[9090]!.notReadyAddresses).toBeUndefined();
  });

  it("lists not-ready pods as ready with publishNotReadyAddresses, and nothing without a selector", () => {
    const s = svc([{ port: 80 }]);
    s.spec!.publishNotReadyAddresses = true;
    expect(computeSubsets(s, [pod("a", { ip: "10.0.0.1", ready: false })])[0]!.addresses!.map((a) => a.ip)).toEqual(["10.0.0.1"]);
    expect(computeSubsets(svc([{ port: 80 }], null), [pod("a", { ip: "10.0.0.1" })])).toEqual([]);
  });
});
