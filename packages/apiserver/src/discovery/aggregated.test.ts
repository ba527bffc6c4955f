import { describe, it, expect } from "vitest";
import { RESOURCES } from "@kates/api";
import { aggregatedDiscovery, AGGREGATED_DISCOVERY_V2, AGGREGATED_DISCOVERY_V2BETA1 } from "./index.js";

interface Sub { subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }
interface Res { resource: string; responseKind: { group: string; version: string; kind: string }; scope: string; singularResource: string; verbs: string[]; shortNames?: string[]; categories?: string[]; subresources?: Sub[] }
interface Doc { kind: string; apiVersion: string; items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: Res[] }[] }[] }

const core = aggregatedDiscovery("core") as unknown as Doc;
const apis = aggregatedDiscovery("apis") as unknown as Doc;
const coreRes = (name: string) => core.items[0].versions[0].resources.find((r) => r.resource === name)!;
const groupRes = (group: string, name: string) => apis.items.find((i) => i.metadata.name === group)!.versions[0].resources.find((r) => r.resource === name)!;

describe("aggregatedDiscovery", () => {
  it("has the exact content types kubectl requires", () => {
    expect(AGGREGATED_DISCOVERY_V2).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    expect(AGGREGATED_DISCOVERY_V2BETA1).toBe("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  });

  it("describes the core group under /api", () => {
    expect(core.kind).toBe("APIGroupDiscoveryList");
    expect(core.apiVersion).toBe("apidiscovery.k8s.io/v2");
    expect(core.items).toHaveLength(1);
    expect(core.items[0].metadata.name).toBe("");
    expect(core.items[0].versions.map((v) => [v.version, v.freshness])).toEqual([["v1", "Current"]]);
    const pods = coreRes("pods");
    expect(pods).toMatchObject({
      responseKind: { group: "", version: "v1", kind: "Pod" },
      scope: "Namespaced",
      singularResource: "pod",
      shortNames: ["po"],
      categories: ["all"],
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    });
    expect(pods.subresources?.map((s) => s.subresource)).toEqual(["binding", "eviction", "exec", "log", "portforward", "status"]);
    expect(pods.subresources?.find((s) => s.subresource === "exec")).toEqual({ subresource: "exec", responseKind: { group: "", version: "v1", kind: "PodExecOptions" }, verbs: ["create", "get"] });
    expect(pods.subresources?.find((s) => s.subresource === "log")?.responseKind.kind).toBe("Pod");
    expect(pods.subresources?.find((s) => s.subresource === "binding")).toMatchObject({ responseKind: { kind: "Binding" }, verbs: ["create"] });
    expect(pods.subresources?.find((s) => s.subresource === "status")).toMatchObject({ responseKind: { kind: "Pod" }, verbs: ["get", "patch", "update"] });
  });

  it("marks cluster-scoped resources and leaves out empty lists", () => {
    expect(coreRes("nodes")).toMatchObject({ scope: "Cluster", shortNames: ["no"] });
    expect(coreRes("nodes")).not.toHaveProperty("categories");
    expect(coreRes("namespaces").verbs).not.toContain("deletecollection");
    expect(coreRes("namespaces").subresources?.find((s) => s.subresource === "finalize")).toMatchObject({ responseKind: { kind: "Namespace" }, verbs: ["update"] });
    expect(coreRes("services").subresources?.find((s) => s.subresource === "proxy")?.responseKind.kind).toBe("ServiceProxyOptions");
    expect(coreRes("configmaps")).not.toHaveProperty("subresources");
    expect(coreRes("secrets")).not.toHaveProperty("shortNames");
  });

  it("lists only the named groups kates serves under /apis", () => {
    const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
    expect(apis.items.map((i) => i.metadata.name)).toEqual(groups);
    expect(apis.items.map((i) => i.metadata.name)).not.toContain("autoscaling");
    const total = apis.items.reduce((n, i) => n + i.versions[0].resources.length, 0);
    expect(total).toBe(RESOURCES.filter((r) => r.group).length);
  });

  it("gives scalable workloads an autoscaling/v1 Scale subresource", () => {
    const deploy = groupRes("apps", "deployments");
    expect(deploy).toMatchObject({ responseKind: { group: "apps", version: "v1", kind: "Deployment" }, shortNames: ["deploy"], categories: ["all"] });
    expect(deploy.subresources).toEqual([
      { subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
      { subresource: "status", responseKind: { group: "apps", version: "v1", kind: "Deployment" }, verbs: ["get", "patch", "update"] },
    ]);
    expect(groupRes("apps", "daemonsets").subresources?.map((s) => s.subresource)).toEqual(["status"]);
  });

  it("keeps RESOURCES order, which `kubectl get all` follows", () => {
    const all = [...core.items, ...apis.items].flatMap((i) => i.versions[0].resources).filter((r) => r.categories?.includes("all")).map((r) => r.resource);
    expect(all).toEqual(["pods", "services", "replicationcontrollers", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs"]);
  });

  it("builds the v2beta1 variant with the older apiVersion", () => {
    const doc = aggregatedDiscovery("apis", "v2beta1") as unknown as Doc;
    expect(doc.apiVersion).toBe("apidiscovery.k8s.io/v2beta1");
    expect(doc.items).toEqual(apis.items);
  });
});
