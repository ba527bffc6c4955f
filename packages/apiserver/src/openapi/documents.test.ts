import { describe, it, expect } from "vitest";
import { RESOURCES } from "@kates/api";
import { groupVersionPath, openapiV3Document, openapiV3Hash, openapiV3Root } from "./index.js";

type Doc = { openapi: string; paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
const doc = (gv: string) => openapiV3Document(gv) as Doc;

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("openapiV3Root", () => {
  it("lists every served group-version with a hashed URL", () => {
    const root = openapiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    const gvs = [...new Set(RESOURCES.map(groupVersionPath))];
    expect(Object.keys(root.paths).sort()).toEqual(gvs.sort());
    for (const gv of gvs) {
      expect(root.paths[gv]!.serverRelativeURL).toBe(`/openapi/v3/${gv}?hash=${openapiV3Hash(gv)}`);
      expect(openapiV3Hash(gv)).toMatch(/^[0-9A-F]{128}$/);
    }
    expect(openapiV3Hash("api/v1")).not.toBe(openapiV3Hash("apis/apps/v1"));
  });
});

describe("openapiV3Document", () => {
  it("returns undefined for unknown group-versions and caches documents", () => {
    expect(openapiV3Document("apis/nope/v1")).toBeUndefined();
    expect(openapiV3Document("/apis/apps/v1")).toBe(openapiV3Document("apis/apps/v1"));
  });

  it("describes the deployment PATCH operation the way kubectl's validation probe needs", () => {
    const d = doc("apis/apps/v1");
    expect(d.openapi).toBe("3.0.0");
    const patch = d.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!.patch;
    expect(patch.operationId).toBe("patchAppsV1NamespacedDeployment");
    expect(patch["x-kubernetes-action"]).toBe("patch");
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    const names = (op: any) => op.parameters.map((p: any) => p.name);
    expect(names(patch)).toEqual(expect.arrayContaining(["fieldManager", "fieldValidation", "dryRun", "force"]));
    const post = d.paths["/apis/apps/v1/namespaces/{namespace}/deployments"]!.post;
    expect(names(post)).toEqual(expect.arrayContaining(["fieldManager", "fieldValidation", "dryRun"]));
    const scale = d.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]!.patch;
    expect(scale["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    expect(d.paths["/apis/apps/v1/deployments"]!.get.operationId).toBe("listAppsV1DeploymentForAllNamespaces");
  });

  it("uses cluster-scoped routes for cluster-scoped kinds", () => {
    const d = doc("api/v1");
    expect(d.paths["/api/v1/nodes/{name}"]!.put["x-kubernetes-group-version-kind"]).toEqual({ group: "", version: "v1", kind: "Node" });
    expect(Object.keys(d.paths).some((p) => p.includes("namespaces/{namespace}/nodes"))).toBe(false);
    expect(d.paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]!.get.operationId).toBe("readCoreV1NamespacedPodStatus");
  });

  it("carries schemas with descriptions, GVKs and resolvable refs", () => {
    for (const gv of Object.keys((openapiV3Root() as any).paths)) {
      const d = doc(gv);
      for (const r of refs(d)) expect(d.components.schemas[r.replace("#/components/schemas/", "")], `${gv}: ${r}`).toBeDefined();
    }
    const s = doc("apis/apps/v1").components.schemas;
    const dep = s["io.k8s.api.apps.v1.Deployment"];
    expect(dep["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(dep.description).toMatch(/ReplicaSets/);
    expect(dep.properties.spec).toMatchObject({ allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }], description: "The desired state." });
    expect(s["io.k8s.api.apps.v1.DeploymentSpec"].properties.replicas).toMatchObject({ type: "integer", format: "int32" });
    expect(s["io.k8s.api.apps.v1.DeploymentList"].properties.items.items).toEqual({ $ref: "#/components/schemas/io.k8s.api.apps.v1.Deployment" });
    const podSpec = s["io.k8s.api.core.v1.PodSpec"];
    expect(podSpec.properties.containers).toMatchObject({ type: "array", "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" });
    expect(podSpec.properties.nodeSelector).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect(s["io.k8s.api.core.v1.Volume"].properties.emptyDir).toBeDefined();
    expect(s["io.k8s.api.core.v1.ServicePort"]).toBeUndefined(); // not referenced from apps/v1
    expect(doc("api/v1").components.schemas["io.k8s.api.core.v1.ServicePort"].properties.targetPort.allOf).toEqual([
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" },
    ]);
  });
});
