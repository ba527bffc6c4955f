import { describe, it, expect } from "vitest";
import { formatFieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import { findKind } from "../resources.js";
import { validateUpdate } from "./index.js";

function update(old: KObject, change: (o: KObject & Record<string, any>) => void): string[] {
  const obj = structuredClone(old) as KObject & Record<string, any>;
  change(obj);
  return validateUpdate(obj, old, findKind(old.apiVersion!, old.kind!)!).map(formatFieldError);
}

const tpl = { metadata: { labels: { app: "web" } }, spec: { restartPolicy: "Always", containers: [{ name: "c", image: "nginx:1", imagePullPolicy: "IfNotPresent", terminationMessagePolicy: "File" }] } };

describe("validateUpdate", () => {
  it("keeps Deployment, ReplicaSet and DaemonSet selectors immutable", () => {
    for (const kind of ["Deployment", "ReplicaSet", "DaemonSet"]) {
      const d = { apiVersion: "apps/v1", kind, metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } };
      expect(update(d, (o) => { o.spec.template.spec.containers[0].image = "nginx:2"; })).toEqual([]);
      expect(update(d, (o) => {
        o.spec.selector.matchLabels.tier = "fe";
        o.spec.template.metadata.labels.tier = "fe";
      })).toEqual(["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"tier\":\"fe\"}}: field is immutable"]);
    }
  });

  it("still runs create validation", () => {
    const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } };
    expect(update(d, (o) => { o.spec.replicas = -1; })).toEqual(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
  });

  it("limits StatefulSet spec changes", () => {
    const ss = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { serviceName: "db", replicas: 1, selector: { matchLabels: { app: "web" } }, template: tpl } };
    expect(update(ss, (o) => { o.spec.replicas = 3; })).toEqual([]);
    expect(update(ss, (o) => { o.spec.serviceName = "other"; })[0]).toMatch(/^spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
  });

  it("allows only image and toleration additions on Pods", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: tpl.spec.containers, tolerations: [{ key: "a", operator: "Exists" }] } };
    expect(update(pod, (o) => { o.spec.containers[0].image = "nginx:2"; })).toEqual([]);
    expect(update(pod, (o) => { o.spec.tolerations.push({ key: "b", operator: "Exists" }); })).toEqual([]);
    expect(update(pod, (o) => { o.spec.nodeName = "n1"; })).toEqual([]);
    expect(update(pod, (o) => { o.spec.tolerations = []; })[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than/);
    expect(update(pod, (o) => { o.spec.containers[0].name = "d"; })[0]).toMatch(/^spec: Forbidden/);
    expect(update({ ...pod, spec: { ...pod.spec, nodeName: "n1" } }, (o) => { o.spec.nodeName = "n2"; })[0]).toMatch(/^spec: Forbidden/);
  });

  it("keeps a Service's clusterIP unless it becomes an ExternalName", () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { type: "ClusterIP", clusterIP: "10.96.0.5", clusterIPs: ["10.96.0.5"], ports: [{ port: 80, protocol: "TCP" }] } };
    expect(update(svc, (o) => { o.spec.ports[0].port = 81; })).toEqual([]);
    expect(update(svc, (o) => { o.spec.clusterIP = "10.96.0.6"; o.spec.clusterIPs = ["10.96.0.6"]; })).toEqual([
      "spec.clusterIP: Invalid value: \"10.96.0.6\": field is immutable",
      "spec.clusterIPs[0]: Invalid value: [\"10.96.0.6\"]: may not change once set",
    ]);
    expect(update(svc, (o) => { o.spec = { type: "ExternalName", externalName: "example.com" }; })).toEqual([]);
    expect(update(svc, (o) => { delete o.spec.clusterIP; delete o.spec.clusterIPs; })).toEqual([]);
  });

  it("keeps Job selectors and templates", () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { selector: { matchLabels: { app: "web" } }, manualSelector: true, template: { ...tpl, spec: { ...tpl.spec, restartPolicy: "Never" } } } };
    expect(update(job, (o) => { o.spec.template.spec.containers[0].image = "x:2"; })).toEqual([expect.stringMatching(/^spec\.template: Invalid value: .*: field is immutable$/)]);
    expect(update({ ...job, spec: { ...job.spec, suspend: true } }, (o) => { o.spec.template.spec.containers[0].image = "x:2"; })).toEqual([]);
  });

  it("freezes immutable ConfigMaps and Secrets", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, immutable: true, data: { a: "1" } };
    expect(update(cm, (o) => { o.metadata.labels = { x: "y" }; })).toEqual([]);
    expect(update(cm, (o) => { o.data.a = "2"; })).toEqual(["data: Forbidden: field is immutable when `immutable` is set"]);
    expect(update(cm, (o) => { o.immutable = false; })).toEqual(["immutable: Forbidden: field is immutable when `immutable` is set"]);
    const sec = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque", data: {} };
    expect(update(sec, (o) => { o.type = "kubernetes.io/tls"; o.data = { "tls.crt": "", "tls.key": "" }; })).toEqual(["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]);
  });

  it("lets PVCs change only their storage request and bind once", () => {
    const pvc = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
    expect(update(pvc, (o) => { o.spec.resources.requests.storage = "2Gi"; })).toEqual([]);
    expect(update(pvc, (o) => { o.spec.volumeName = "pv-1"; })).toEqual([]);
    expect(update(pvc, (o) => { o.spec.accessModes = ["ReadWriteMany"]; })[0]).toMatch(/^spec: Forbidden: spec is immutable after creation/);
  });
});
