import { describe, expect, it } from "vitest";
import { ApiError } from "@kates/api";
import { applyElementOrder, applyStrategicMergePatch } from "./strategic-merge.js";

const DEPLOY = { apiVersion: "apps/v1", kind: "Deployment" };
const POD = { apiVersion: "v1", kind: "Pod" };
const SERVICE = { apiVersion: "v1", kind: "Service" };

function deployment(containers: object[], extra: object = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" }, annotations: { a: "1" } },
    spec: { replicas: 1, template: { metadata: { labels: { app: "web" } }, spec: { containers, ...extra } } },
  };
}
type Dep = ReturnType<typeof deployment> & { spec: { paused?: boolean; template: { metadata: { annotations?: object } } } };

describe("applyStrategicMergePatch with kubectl's bodies", () => {
  it("set image: merges the container by name and keeps its other fields", () => {
    const dep = deployment([{ name: "nginx", image: "nginx:1.7", ports: [{ containerPort: 80 }] }, { name: "side", image: "busybox" }]);
    const out = applyStrategicMergePatch(dep, {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "nginx" }], containers: [{ image: "nginx:1.9.1", name: "nginx" }] } } },
    }, DEPLOY) as Dep;
    expect(out.spec.template.spec.containers).toEqual([
      { name: "nginx", image: "nginx:1.9.1", ports: [{ containerPort: 80 }] },
      { name: "side", image: "busybox" },
    ]);
    expect(dep.spec.template.spec.containers[0]).toEqual({ name: "nginx", image: "nginx:1.7", ports: [{ containerPort: 80 }] });
  });

  it("rollout pause, resume and restart", () => {
    const dep = deployment([{ name: "nginx", image: "nginx" }]);
    const paused = applyStrategicMergePatch(dep, { spec: { paused: true } }, DEPLOY) as Dep;
    expect(paused.spec.paused).toBe(true);
    const resumed = applyStrategicMergePatch(paused, { spec: { paused: null } }, DEPLOY) as Dep;
    expect("paused" in resumed.spec).toBe(false);
    const at = "2025-01-02T03:04:05Z";
    const restarted = applyStrategicMergePatch(dep, { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } } }, DEPLOY) as Dep;
    expect(restarted.spec.template.metadata).toEqual({ labels: { app: "web" }, annotations: { "kubectl.kubernetes.io/restartedAt": at } });
  });

  it("client-side apply: three-way patch with nulls, added items and $setElementOrder", () => {
    const live = deployment([
      { name: "nginx", image: "nginx:1.14.2", ports: [{ containerPort: 80, protocol: "TCP" }], imagePullPolicy: "IfNotPresent" },
      { name: "old", image: "busybox" },
    ]);
    const patch = {
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}\n" }, labels: null },
      spec: {
        replicas: 3,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "sidecar" }, { name: "nginx" }],
            containers: [{ image: "nginx:1.16.1", name: "nginx", ports: null }, { name: "sidecar", image: "envoy" }, { name: "old", $patch: "delete" }],
          },
        },
      },
    };
    const out = applyStrategicMergePatch(live, patch, DEPLOY) as Dep;
    expect(out.metadata).toEqual({ name: "web", annotations: { a: "1", "kubectl.kubernetes.io/last-applied-configuration": "{...}\n" } });
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template.spec.containers).toEqual([
      { name: "sidecar", image: "envoy" },
      { name: "nginx", image: "nginx:1.16.1", imagePullPolicy: "IfNotPresent" },
    ]);
    expect(JSON.stringify(out)).not.toContain("$");
  });
});

describe("applyStrategicMergePatch merge rules", () => {
  it("replaces lists without a merge strategy", () => {
    const pod = { spec: { containers: [{ name: "c", args: ["a", "b"], command: ["x"] }], tolerations: [{ key: "a" }, { key: "b" }] } };
    const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "c", args: ["z"] }], tolerations: [{ key: "c" }] } }, POD);
    expect(out).toEqual({ spec: { containers: [{ name: "c", args: ["z"], command: ["x"] }], tolerations: [{ key: "c" }] } });
  });

  it("merges env, volumeMounts and container ports by their keys", () => {
    const pod = { spec: { containers: [{ name: "c", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], volumeMounts: [{ mountPath: "/d", name: "v" }], ports: [{ containerPort: 80, name: "http" }] }] } };
    const out = applyStrategicMergePatch(pod, {
      spec: { containers: [{ name: "c", env: [{ name: "B", value: "3" }, { name: "C", value: "4" }], volumeMounts: [{ mountPath: "/d", readOnly: true }], ports: [{ containerPort: 443 }] }] },
    }, POD);
    expect(out).toEqual({ spec: { containers: [{
      name: "c",
      env: [{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }],
      volumeMounts: [{ mountPath: "/d", name: "v", readOnly: true }],
      // A new keyed item goes before the server-only ones, as in Kubernetes' mergeSlice.
      ports: [{ containerPort: 443 }, { containerPort: 80, name: "http" }],
    }] } });
  });

  it("merges service ports by port", () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, SERVICE);
    expect(out).toEqual({ spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
  });

  it("merges finalizers as a set and deletes from primitive lists", () => {
    const obj = { metadata: { finalizers: ["a", "b"] } };
    expect(applyStrategicMergePatch(obj, { metadata: { finalizers: ["b", "c"] } }, POD)).toEqual({ metadata: { finalizers: ["a", "b", "c"] } });
    expect(applyStrategicMergePatch(obj, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }, POD)).toEqual({ metadata: { finalizers: ["b"] } });
  });

  it("honours $patch: replace on maps and lists, and $patch: delete on maps", () => {
    const pod = { metadata: { labels: { a: "1", b: "2" } }, spec: { containers: [{ name: "a" }, { name: "b" }] } };
    expect(applyStrategicMergePatch(pod, { metadata: { labels: { $patch: "replace", c: "3" } } }, POD)).toEqual({ metadata: { labels: { c: "3" } }, spec: pod.spec });
    expect(applyStrategicMergePatch(pod, { spec: { containers: [{ name: "z" }, { $patch: "replace" }] } }, POD)).toEqual({ metadata: pod.metadata, spec: { containers: [{ name: "z" }] } });
    expect(applyStrategicMergePatch(pod, { metadata: { labels: { $patch: "delete" } } }, POD)).toEqual({ metadata: {}, spec: pod.spec });
  });

  it("drops keys outside $retainKeys", () => {
    const dep = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } };
    const out = applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, DEPLOY);
    expect(out).toEqual({ spec: { strategy: { type: "Recreate" } } });
  });

  it("merges ownerReferences by uid and conditions by type", () => {
    const obj = {
      metadata: { ownerReferences: [{ uid: "1", name: "a" }] },
      status: { conditions: [{ type: "Ready", status: "False" }, { type: "Scheduled", status: "True" }] },
    };
    const out = applyStrategicMergePatch(obj, {
      metadata: { ownerReferences: [{ uid: "2", name: "b" }] },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    }, POD);
    expect(out).toEqual({
      metadata: { ownerReferences: [{ uid: "2", name: "b" }, { uid: "1", name: "a" }] },
      status: { conditions: [{ type: "Ready", status: "True" }, { type: "Scheduled", status: "True" }] },
    });
  });

  it("rejects keyed items without their merge key", () => {
    expect(() => applyStrategicMergePatch({ spec: { containers: [] } }, { spec: { containers: [{ image: "x" }] } }, POD)).toThrow(ApiError);
  });

  it("reorders a list when only $setElementOrder is sent", () => {
    const pod = { spec: { containers: [{ name: "a" }, { name: "b" }] } };
    const out = applyStrategicMergePatch(pod, { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } }, POD);
    expect(out).toEqual({ spec: { containers: [{ name: "b" }, { name: "a" }] } });
  });
});

describe("applyElementOrder", () => {
  it("slots server-only items in before named items they preceded on the server", () => {
    const original = [{ k: "s1" }, { k: "a" }, { k: "s2" }, { k: "b" }];
    const merged = [{ k: "s1" }, { k: "a" }, { k: "s2" }, { k: "b" }, { k: "c" }];
    const out = applyElementOrder(merged, [{ k: "c" }, { k: "b" }, { k: "a" }], "k", original);
    expect(out.map((x) => (x as { k: string }).k)).toEqual(["c", "s1", "s2", "b", "a"]);
    const noServerOnly = applyElementOrder([{ k: "a" }, { k: "b" }], [{ k: "b" }, { k: "a" }], "k", [{ k: "a" }, { k: "b" }]);
    expect(noServerOnly).toEqual([{ k: "b" }, { k: "a" }]);
  });
});
