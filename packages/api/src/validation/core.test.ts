import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { applyDefaults } from "../defaults.js";
import { formatFieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import { findKind } from "../resources.js";
import { validateObject } from "./index.js";

/** Defaults then validates, as the apiserver does; returns formatted messages. */
function check(obj: KObject): string[] {
  const ri = findKind(obj.apiVersion!, obj.kind!);
  if (!ri) throw new Error(`unknown kind ${obj.kind}`);
  const o = structuredClone(obj);
  applyDefaults(o, ri);
  return validateObject(o, ri).map(formatFieldError);
}

const pod = (spec: object, name = "p"): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec });

describe("seed manifests", () => {
  const dir = fileURLToPath(new URL("../../../../test/fixtures/seeds/", import.meta.url));
  const load = (f: string): KObject => parseAllDocuments(readFileSync(dir + f, "utf8")).map((d) => d.toJS()).find(Boolean);

  it.each([
    "pod-myapp.yaml", "deployment-nginx-deployment.yaml", "deployment-myapp-deployment.yaml", "deployment-httpd-frontend.yaml",
    "deployment-myapp-deployment-6-replicas.yaml", "service-myapp-service-30008.yaml", "service-myapp-service.yaml", "service-back-end.yaml",
  ])("%s is valid", (f) => expect(check(load(f))).toEqual([]));

  it("rejects the broken ReplicationController like Kubernetes", () => {
    const errs = check(load("rc-myapp-rc.yaml"));
    expect(errs).toContain("spec.selector: Required value");
    expect(errs).toContain("spec.template.spec.containers: Required value");
  });
});

describe("Pod", () => {
  it("requires containers", () => {
    expect(check(pod({}))).toEqual(["spec.containers: Required value"]);
    expect(check({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })).toEqual(["spec.containers: Required value"]);
  });

  it("checks container names, images and duplicates across init containers", () => {
    const errs = check(pod({ initContainers: [{ name: "a", image: "x" }], containers: [{ name: "a", image: "x" }, { name: "B_1", image: "x" }, { image: "x" }, { name: "c" }] }));
    expect(errs).toEqual([
      "spec.containers[0].name: Duplicate value: \"a\"",
      expect.stringMatching(/^spec\.containers\[1\]\.name: Invalid value: "B_1": a lowercase RFC 1123 label must consist of/),
      "spec.containers[2].name: Required value",
      "spec.containers[3].image: Required value",
    ]);
  });

  it("checks ports", () => {
    const errs = check(pod({ containers: [{ name: "c", image: "x", ports: [
      { containerPort: 0 }, { containerPort: 70000 }, { containerPort: 80, name: "http" }, { containerPort: 81, name: "http" },
      { containerPort: 82, name: "this-name-is-too-long" }, { containerPort: 83, protocol: "ICMP" },
    ] }] }));
    expect(errs).toEqual([
      "spec.containers[0].ports[0].containerPort: Required value",
      "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      "spec.containers[0].ports[3].name: Duplicate value: \"http\"",
      "spec.containers[0].ports[4].name: Invalid value: \"this-name-is-too-long\": must be no more than 15 characters",
      "spec.containers[0].ports[5].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    ]);
  });

  it("checks volumes and mounts", () => {
    const errs = check(pod({
      volumes: [{ name: "data", emptyDir: {}, hostPath: { path: "/x" } }, { name: "data", configMap: { name: "c" } }],
      containers: [{ name: "c", image: "x", volumeMounts: [{ name: "nope", mountPath: "/a" }, { name: "data" }] }],
    }));
    expect(errs).toEqual([
      "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
      "spec.volumes[1].name: Duplicate value: \"data\"",
      "spec.containers[0].volumeMounts[0].name: Invalid value: \"nope\": not found: no volume of this name in `spec.volumes`",
      "spec.containers[0].volumeMounts[1].mountPath: Required value",
    ]);
  });

  it("checks policies, env, probes and resources", () => {
    const errs = check(pod({
      restartPolicy: "Sometimes",
      containers: [{
        name: "c", image: "x",
        env: [{ name: "1BAD" }, { name: "OK", value: "v", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        livenessProbe: { periodSeconds: -1, exec: { command: ["true"] } },
        readinessProbe: {},
        resources: { requests: { cpu: "2" }, limits: { cpu: "1", memory: "lots" } },
      }],
    }));
    expect(errs).toEqual([
      expect.stringMatching(/^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1BAD": a valid environment variable name/),
      "spec.containers[0].env[1].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
      "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
      "spec.containers[0].readinessProbe: Required value: must specify a handler type",
      expect.stringMatching(/^spec\.containers\[0\]\.resources\.limits\[memory\]: Invalid value: "lots": quantities must match/),
      // Requests default to limits, so the bad limit shows up twice, as in Kubernetes.
      expect.stringMatching(/^spec\.containers\[0\]\.resources\.requests\[memory\]: Invalid value: "lots"/),
      "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
      "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
    ]);
  });

  it("checks tolerations and node selector", () => {
    const errs = check(pod({ containers: [{ name: "c", image: "x" }], nodeSelector: { "bad key": "x" }, tolerations: [{ key: "k", operator: "Exists", value: "v" }] }));
    expect(errs.map((e) => e.split(":")[0])).toEqual(["spec.nodeSelector", "spec.tolerations[0].operator"]);
  });
});

describe("Service", () => {
  const svc = (spec: object, name = "web"): KObject => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec });

  it("accepts a one-port service without a port name", () => {
    expect(check(svc({ selector: { app: "web" }, ports: [{ port: 80 }] }))).toEqual([]);
    expect(check(svc({ clusterIP: "None", selector: { app: "web" } }))).toEqual([]);
    expect(check(svc({ type: "ExternalName", externalName: "example.com" }))).toEqual([]);
  });

  it("names services with DNS-1035 labels", () => {
    expect(check(svc({ ports: [{ port: 80 }] }, "1web"))[0]).toMatch(/^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist/);
  });

  it("checks ports, types and affinities", () => {
    const errs = check(svc({ type: "Fancy", sessionAffinity: "Sticky", ports: [{ port: 0, name: "a" }, { port: 80 }, { port: 81, name: "a", nodePort: 30001, targetPort: "Not-A-Name" }] }));
    expect(errs).toEqual([
      "spec.type: Unsupported value: \"Fancy\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[1].name: Required value",
      "spec.ports[2].name: Duplicate value: \"a\"",
      "spec.ports[2].targetPort: Invalid value: \"Not-A-Name\": must contain only alphanumeric characters (a-z, 0-9), and hyphens (-)",
      "spec.ports[2].nodePort: Forbidden: may not be used when `type` is 'Fancy'",
      "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
    ]);
  });

  it("requires ports, forbids a ClusterIP nodePort, checks the clusterIP", () => {
    expect(check(svc({}))).toEqual(["spec.ports: Required value"]);
    expect(check(svc({ ports: [{ port: 80, nodePort: 30080 }] }))).toEqual(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
    expect(check(svc({ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }, { port: 81, name: "b", nodePort: 30080 }], clusterIP: "10.0.0.300" }))).toEqual([
      "spec.ports[0].name: Required value",
      "spec.ports[1].nodePort: Duplicate value: 30080",
      "spec.clusterIP: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    ]);
  });
});

describe("ConfigMap and Secret", () => {
  it("checks keys and sizes", () => {
    expect(check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "ok.key": "v", "bad key": "v" } })[0]).toMatch(/^data\[bad key\]: Invalid value: "bad key": a valid config key/);
    expect(check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "x".repeat(1024 * 1024 + 1) } })).toEqual(["data: Too long: must have at most 1048576 bytes"]);
    expect(check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "x" }, binaryData: { a: "eA==" } })).toEqual(["binaryData[a]: Invalid value: \"a\": duplicate of key present in data"]);
  });

  it("requires base64 data and type-specific keys", () => {
    expect(check({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { pw: "c2VjcmV0" } })).toEqual([]);
    expect(check({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { pw: "not base64!" } })).toEqual(["data[pw]: Invalid value: \"<secret contents redacted>\": must be base64-encoded"]);
    expect(check({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "kubernetes.io/tls", data: { "tls.crt": "" } })).toEqual(["data[tls.key]: Required value"]);
  });
});

describe("other core kinds", () => {
  it("Namespace names are DNS labels", () => {
    expect(check({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } })).toEqual([]);
    expect(check({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team.a" } })[0]).toMatch(/^metadata\.name: Invalid value: "team\.a": a lowercase RFC 1123 label/);
  });

  it("Event needs an involvedObject in its namespace", () => {
    expect(check({ apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "default" } })).toEqual(["involvedObject: Required value"]);
    expect(check({ apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "default" }, involvedObject: { kind: "Pod", namespace: "other" } })).toEqual(["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"]);
  });

  it("Node taints", () => {
    expect(check({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, spec: { taints: [{ key: "k", effect: "Sometimes" }] } })).toEqual([
      "spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"",
    ]);
  });

  it("ReplicationController selector must match the template", () => {
    const rc = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "rc" }, spec: { replicas: -1, selector: { app: "x" }, template: { metadata: { labels: { app: "y" } }, spec: { containers: [{ name: "c", image: "x" }] } } } };
    expect(check(rc)).toEqual([
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.template.metadata.labels: Invalid value: {\"app\":\"y\"}: `selector` does not match template `labels`",
    ]);
  });

  it("PersistentVolumeClaim needs access modes and a storage request", () => {
    expect(check({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c" }, spec: {} })).toEqual([
      "spec.accessModes: Required value: at least 1 access mode is required",
      "spec.resources[storage]: Required value",
    ]);
    expect(check({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } })).toEqual([]);
  });

  it("Lease and EndpointSlice", () => {
    expect(check({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { holderIdentity: "a", leaseDurationSeconds: 0 } })).toEqual(["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]);
    expect(check({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "s" }, addressType: "IPv4", endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["::1"] }] })).toEqual([
      "endpoints[1].addresses[0]: Invalid value: \"::1\": must be a valid IPv4 address",
    ]);
  });
});
