import { describe, it, expect } from "vitest";
import { legacyApiVersions, legacyGroup, legacyGroupList, legacyResourceList, storageVersionHash, negotiateDiscovery } from "./index.js";

describe("legacy discovery", () => {
  it("describes /api as APIVersions", () => {
    expect(legacyApiVersions("10.0.0.1:6443")).toEqual({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.0.1:6443" }],
    });
  });

  it("lists the groups with their preferred versions", () => {
    const list = legacyGroupList() as { kind: string; groups: { name: string; preferredVersion: unknown }[] };
    expect(list.kind).toBe("APIGroupList");
    expect(list.groups.find((g) => g.name === "apps")).toEqual({ name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }], preferredVersion: { groupVersion: "apps/v1", version: "v1" } });
    expect(list.groups.map((g) => g.name)).not.toContain("");
    expect(legacyGroup("batch")).toMatchObject({ kind: "APIGroup", apiVersion: "v1", name: "batch", preferredVersion: { groupVersion: "batch/v1" } });
    expect(legacyGroup("autoscaling")).toBeUndefined();
  });

  it("lists core resources and their subresources as separate entries", () => {
    const list = legacyResourceList("", "v1")!;
    expect(list).toMatchObject({ kind: "APIResourceList", apiVersion: "v1", groupVersion: "v1" });
    const pods = list.resources.find((r) => r.name === "pods")!;
    expect(pods).toEqual({
      name: "pods", singularName: "pod", namespaced: true, kind: "Pod",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      shortNames: ["po"], categories: ["all"], storageVersionHash: storageVersionHash("", "v1", "Pod"),
    });
    expect(list.resources.find((r) => r.name === "pods/log")).toEqual({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] });
    expect(list.resources.find((r) => r.name === "pods/eviction")).toMatchObject({ group: "policy", version: "v1", kind: "Eviction" });
    expect(list.resources.find((r) => r.name === "nodes")?.namespaced).toBe(false);
    // A subresource follows its resource.
    const names = list.resources.map((r) => r.name);
    expect(names.indexOf("pods/status")).toBeGreaterThan(names.indexOf("pods"));
    expect(names.indexOf("pods/status")).toBeLessThan(names.indexOf("services"));
  });

  it("gives scale subresources the autoscaling/v1 Scale kind", () => {
    const list = legacyResourceList("apps", "v1")!;
    expect(list.groupVersion).toBe("apps/v1");
    expect(list.resources.find((r) => r.name === "deployments/scale")).toEqual({ name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
    expect(list.resources.find((r) => r.name === "deployments/status")).toEqual({ name: "deployments/status", singularName: "", namespaced: true, kind: "Deployment", verbs: ["get", "patch", "update"] });
  });

  it("returns undefined for unknown groups and versions", () => {
    expect(legacyResourceList("apps", "v1beta1")).toBeUndefined();
    expect(legacyResourceList("autoscaling", "v1")).toBeUndefined();
    expect(legacyResourceList("", "v2")).toBeUndefined();
  });

  it("hashes storage versions into 8 base64-encoded bytes that differ by kind", () => {
    const h = storageVersionHash("apps", "v1", "Deployment");
    expect(Buffer.from(h, "base64")).toHaveLength(8);
    expect(h).not.toBe(storageVersionHash("apps", "v1", "ReplicaSet"));
  });
});

describe("negotiateDiscovery", () => {
  it("picks v2 from kubectl's discovery Accept header", () => {
    expect(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")).toBe("v2");
  });

  it("honours order, q-values, spacing and parameter order", () => {
    expect(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList, application/json")).toBe("v2beta1");
    expect(negotiateDiscovery("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io")).toBe("v2");
    expect(negotiateDiscovery("application/json;q=0.9, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")).toBe("v2");
    expect(negotiateDiscovery("application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")).toBe("legacy");
    expect(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0, application/json")).toBe("legacy");
  });

  it("falls back to legacy for plain, wildcard, unknown or missing Accept headers", () => {
    expect(negotiateDiscovery(undefined)).toBe("legacy");
    expect(negotiateDiscovery("")).toBe("legacy");
    expect(negotiateDiscovery("application/json, */*")).toBe("legacy");
    expect(negotiateDiscovery("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")).toBe("legacy");
    expect(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList")).toBe("legacy");
  });
});
