import { describe, it, expect } from "vitest";
import { RESOURCES, apiVersionOf } from "../resources.js";
import { allMessageSchemas, messageSchema, schemaForKind } from "./registry.js";

describe("schema registry", () => {
  it("has a root schema for every served kind, with its GVK", () => {
    for (const ri of RESOURCES) {
      const s = schemaForKind(apiVersionOf(ri), ri.kind);
      expect(s, `${apiVersionOf(ri)} ${ri.kind}`).toBeDefined();
      expect(s!.gvk).toEqual({ group: ri.group, version: ri.version, kind: ri.kind });
      expect(s!.fields.get("metadata")?.type).toEqual({ kind: "message", ref: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" });
    }
  });

  it("resolves the subresource and options kinds", () => {
    expect(schemaForKind("autoscaling/v1", "Scale")?.name).toBe("io.k8s.api.autoscaling.v1.Scale");
    expect(schemaForKind("v1", "Binding")?.name).toBe("io.k8s.api.core.v1.Binding");
    expect(schemaForKind("policy/v1", "Eviction")?.name).toBe("io.k8s.api.policy.v1.Eviction");
    expect(schemaForKind("v1", "DeleteOptions")?.name).toBe("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions");
    expect(schemaForKind("apps/v1", "Pod")).toBeUndefined();
    expect(schemaForKind("v1", "Nope")).toBeUndefined();
  });

  it("gives every message unique field numbers, JSON names and a description", () => {
    for (const m of allMessageSchemas().values()) {
      expect(m.description, m.name).toMatch(/\.$/);
      const nums = m.declared.map((f) => f.num);
      expect(new Set(nums).size, m.name).toBe(nums.length);
      for (const f of m.declared) expect(f.description, `${m.name}.${f.json}`).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("flattens inline members into the parent's JSON fields", () => {
    const vol = messageSchema("io.k8s.api.core.v1.Volume");
    expect(vol.fields.get("emptyDir")?.num).toBe(2);
    expect(vol.fields.has("volumeSource")).toBe(false);
    expect(messageSchema("io.k8s.api.core.v1.ConfigMapKeySelector").fields.get("name")?.num).toBe(1);
    expect(messageSchema("io.k8s.api.core.v1.Probe").fields.get("httpGet")?.type.kind).toBe("message");
  });

  it("uses the upstream protobuf numbers on the paths kubectl create fills in", () => {
    const num = (msg: string, field: string) => messageSchema(msg).fields.get(field)?.num;
    expect(num("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels")).toBe(11);
    expect(num("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "managedFields")).toBe(17);
    expect(num("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", "apiVersion")).toBe(5);
    expect(num("io.k8s.api.apps.v1.DeploymentSpec", "progressDeadlineSeconds")).toBe(9);
    expect(num("io.k8s.api.core.v1.PodSpec", "initContainers")).toBe(20);
    expect(num("io.k8s.api.core.v1.Container", "envFrom")).toBe(19);
    expect(num("io.k8s.api.core.v1.ServiceSpec", "clusterIPs")).toBe(18);
    expect(num("io.k8s.api.core.v1.ServicePort", "targetPort")).toBe(4);
    expect(num("io.k8s.api.core.v1.Secret", "type")).toBe(3);
    expect(num("io.k8s.api.core.v1.ConfigMap", "immutable")).toBe(4);
    expect(num("io.k8s.api.batch.v1.CronJobSpec", "timeZone")).toBe(8);
    expect(num("io.k8s.api.discovery.v1.EndpointSlice", "addressType")).toBe(4);
  });

  it("marks Go pointers, whose zero values are meaningful", () => {
    const f = (msg: string, field: string) => messageSchema(msg).fields.get(field)!;
    expect(f("io.k8s.api.apps.v1.DeploymentSpec", "replicas").pointer).toBe(true);
    expect(f("io.k8s.api.apps.v1.DeploymentSpec", "minReadySeconds").pointer).toBe(false);
    expect(f("io.k8s.api.core.v1.Volume", "emptyDir").pointer).toBe(true);
    expect(f("io.k8s.api.core.v1.Secret", "data").type).toEqual({ kind: "map", of: { kind: "scalar", scalar: "bytes" } });
  });
});
