import { describe, expect, it } from "vitest";
import { deleteAt, FieldSet, fieldsOf, pathString, valueAt, withoutNulls } from "./fieldsets.js";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "5", labels: { app: "web" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx", args: ["-g"], ports: [{ containerPort: 80 }] }] },
    },
  },
  status: { replicas: 2 },
};

describe("fieldsOf", () => {
  it("renders the FieldsV1 tree kubectl shows for an applied deployment", () => {
    const { leaves } = fieldsOf(deployment, "Deployment", "main");
    expect(leaves.toFieldsV1()).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"nginx"}': {
                ".": {},
                "f:args": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80}': { ".": {}, "f:containerPort": {} } },
              },
            },
          },
        },
      },
    });
  });

  it("covers only status in the status scope", () => {
    expect(fieldsOf(deployment, "Deployment", "status").leaves.toFieldsV1()).toEqual({ "f:status": { "f:replicas": {} } });
  });

  it("records set lists value by value", () => {
    const { leaves } = fieldsOf({ metadata: { finalizers: ["a", "b"] } }, "ConfigMap", "main");
    expect(leaves.toFieldsV1()).toEqual({ "f:metadata": { "f:finalizers": { 'v:"a"': {}, 'v:"b"': {} } } });
  });
});

describe("FieldSet", () => {
  it("round-trips through FieldsV1", () => {
    const { leaves } = fieldsOf(deployment, "Deployment", "main");
    const back = FieldSet.fromFieldsV1(leaves.toFieldsV1());
    expect(back.size).toBe(leaves.size);
    for (const p of leaves) expect(back.has(p)).toBe(true);
  });

  it("answers hasAtOrBelow for ancestors only", () => {
    const s = new FieldSet([["f:spec", "f:replicas"]]);
    expect(s.hasAtOrBelow(["f:spec"])).toBe(true);
    expect(s.hasAtOrBelow(["f:spec", "f:replicas"])).toBe(true);
    expect(s.hasAtOrBelow(["f:spec", "f:rep"])).toBe(false);
  });
});

describe("path helpers", () => {
  const image = ["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:image"];

  it("reads and deletes through keyed items", () => {
    expect(valueAt(deployment, image)).toBe("nginx");
    const copy = structuredClone(deployment);
    deleteAt(copy, image);
    expect(copy.spec.template.spec.containers[0]).toEqual({ name: "nginx", args: ["-g"], ports: [{ containerPort: 80 }] });
    deleteAt(copy, image.slice(0, 5));
    expect(copy.spec.template.spec.containers).toEqual([]);
    expect(valueAt(copy, image)).toBeUndefined();
  });

  it("prints paths as Kubernetes does", () => {
    expect(pathString(["f:spec", "f:replicas"])).toBe(".spec.replicas");
    expect(pathString(image)).toBe('.spec.template.spec.containers[name="nginx"].image');
    expect(pathString(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
  });

  it("drops nulls deeply", () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [{ f: null }] })).toEqual({ b: { d: 1 }, e: [{}] });
  });
});
