import { describe, expect, it } from "vitest";
import type { EndpointSlice, Pod, Service } from "@kates/api";
import { computeSliceGroups, desiredSlice } from "./endpointslice-utils.js";
import { planSlices } from "./slice-placement.js";

const svc: Service = { metadata: { name: "web", namespace: "default", uid: "svc-uid", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } };
const pod = (name: string, ip: string, ready = true, port = 8080, deleting = false): Pod => ({
  metadata: { name, namespace: "default", uid: `uid-${name}`, labels: { app: "web" }, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { nodeName: "n1", containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: port }] }] },
  status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("computeSliceGroups", () => {
  it("lists every pod with its conditions, terminating ones included", () => {
    const [g, ...rest] = computeSliceGroups(svc, [pod("b", "10.0.0.2", false), pod("a", "10.0.0.1"), pod("t", "10.0.0.3", true, 8080, true)]);
    expect(rest).toEqual([]);
    expect(g!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(g!.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ["10.0.0.1", { ready: true, serving: true, terminating: false }],
      ["10.0.0.2", { ready: false, serving: false, terminating: false }],
      ["10.0.0.3", { ready: false, serving: true, terminating: true }],
    ]);
    expect(g!.endpoints[0]!.targetRef).toEqual({ kind: "Pod", namespace: "default", name: "a", uid: "uid-a" });
  });

  it("keeps one empty group when no pod matches, and splits by resolved port", () => {
    expect(computeSliceGroups(svc, [])).toEqual([{ ports: [], endpoints: [] }]);
    expect(computeSliceGroups(svc, [pod("a", "10.0.0.1"), pod("b", "10.0.0.2", true, 9090)])).toHaveLength(2);
  });
});

describe("planSlices", () => {
  it("creates a generateName'd, owned, labelled slice when none exists", () => {
    const plan = planSlices(svc, computeSliceGroups(svc, [pod("a", "10.0.0.1")]), []);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    const s = plan.create[0]!;
    expect(s.metadata.generateName).toBe("web-");
    expect(s.metadata.labels).toEqual({ tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid", controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe("IPv4");
  });

  it("leaves an up-to-date slice alone, updates a changed one in place and deletes extras", () => {
    const groups = computeSliceGroups(svc, [pod("a", "10.0.0.1")]);
    const current: EndpointSlice = { ...desiredSlice(svc, groups[0]!), metadata: { ...desiredSlice(svc, groups[0]!).metadata, name: "web-abcde", resourceVersion: "5" } };
    expect(planSlices(svc, groups, [current])).toEqual({ create: [], update: [], delete: [] });
    const extra: EndpointSlice = { ...current, metadata: { ...current.metadata, name: "web-zzzzz" } };
    const changed = planSlices(svc, computeSliceGroups(svc, [pod("a", "10.0.0.1", false)]), [current, extra]);
    expect(changed.create).toEqual([]);
    expect(changed.update.map((s) => [s.metadata.name, s.metadata.resourceVersion, s.endpoints[0]!.conditions!.ready])).toEqual([["web-abcde", "5", false]]);
    expect(changed.delete.map((s) => s.metadata.name)).toEqual(["web-zzzzz"]);
  });
});
