import { describe, it, expect } from "vitest";
import { checkFields, pruneUnknownFields, strictDecodingMessage, typeErrorMessage } from "./check.js";

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" }, creationTimestamp: null },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [{
          name: "nginx", image: "nginx", ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: "500m", memory: 128 } },
          readinessProbe: { httpGet: { path: "/", port: "http" } },
          env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }],
        }],
        volumes: [{ name: "scratch", emptyDir: {} }],
      },
    },
  },
  status: {},
});

describe("checkFields", () => {
  it("accepts a well-formed object, including nulls, status and inline fields", () => {
    expect(checkFields(deployment(), "apps/v1", "Deployment")).toEqual({ unknownFields: [], typeErrors: [] });
  });

  it("reports unknown fields with Kubernetes' paths", () => {
    const d = deployment() as Record<string, any>;
    d.spec.replicass = 3;
    d.spec.template.spec.containers[0].imagee = "x";
    d.metadata.nmae = "y";
    const r = checkFields(d, "apps/v1", "Deployment");
    expect(r.unknownFields).toEqual(["metadata.nmae", "spec.template.spec.containers[0].imagee", "spec.replicass"]);
    expect(r.typeErrors).toEqual([]);
    expect(d.spec.replicass).toBe(3);
    expect(strictDecodingMessage(r.unknownFields.slice(1))).toBe(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.replicass"',
    );
  });

  it("reports a boolean label with Go's wording", () => {
    const r = checkFields({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { on: true } } }, "v1", "ConfigMap");
    expect(r.typeErrors).toHaveLength(1);
    expect(r.typeErrors[0]!.field).toBe("metadata.labels[on]");
    expect(r.typeErrors[0]!.detail).toBe("json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string");
    expect(typeErrorMessage("ConfigMap", "v1", r.typeErrors[0]!)).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string',
    );
  });

  it("rejects strings and fractions where integers are expected", () => {
    const d = deployment() as Record<string, any>;
    d.spec.replicas = "3";
    d.spec.template.spec.containers[0].ports[0].containerPort = 80.5;
    const details = checkFields(d, "apps/v1", "Deployment").typeErrors.map((e) => e.detail);
    expect(details).toEqual([
      "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
      "json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
    ]);
  });

  it("checks lists, objects, quantities, times and bytes", () => {
    const pod = {
      metadata: { name: "p", creationTimestamp: "yesterday" },
      spec: { containers: { name: "c" }, nodeSelector: [], overhead: { cpu: "lots" } },
    };
    const r = checkFields(pod, "v1", "Pod");
    expect(r.typeErrors.map((e) => e.field)).toEqual(["metadata.creationTimestamp", "spec.containers", "spec.nodeSelector", "spec.overhead[cpu]"]);
    expect(r.typeErrors[1]!.detail).toBe("json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container");
    expect(r.typeErrors[3]!.detail).toMatch(/^quantities must match the regular expression/);
    const secret = checkFields({ data: { ok: "aGk=", bad: "not base64!" } }, "v1", "Secret");
    expect(secret.typeErrors.map((e) => e.field)).toEqual(["data[bad]"]);
  });

  it("accepts both forms of IntOrString and rejects others", () => {
    const svc = (targetPort: unknown) => ({ spec: { ports: [{ port: 80, targetPort }] } });
    expect(checkFields(svc(8080), "v1", "Service").typeErrors).toEqual([]);
    expect(checkFields(svc("http"), "v1", "Service").typeErrors).toEqual([]);
    expect(checkFields(svc(true), "v1", "Service").typeErrors[0]!.detail).toBe(
      "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type intstr.IntOrString",
    );
  });

  it("leaves unmodelled structures alone and passes unknown kinds", () => {
    expect(checkFields({ spec: { containers: [], dnsConfig: { anything: [1] } } }, "v1", "Pod").unknownFields).toEqual([]);
    expect(checkFields({ whatever: 1 }, "example.com/v1", "Widget")).toEqual({ unknownFields: [], typeErrors: [] });
    expect(checkFields("nope", "v1", "Pod").typeErrors).toHaveLength(1);
  });
});

describe("pruneUnknownFields", () => {
  it("removes unknown fields in place and keeps known ones", () => {
    const d = deployment() as Record<string, any>;
    d.extra = 1;
    d.spec.template.spec.containers[0].imagee = "x";
    expect(pruneUnknownFields(d, "apps/v1", "Deployment")).toEqual(["spec.template.spec.containers[0].imagee", "extra"]);
    expect(d).toEqual(deployment());
  });
});
