import { describe, it, expect } from "vitest";
import { applyDefaults, computeQOSClass, defaultPullPolicy, jobSelectorDefaults, prepareServiceUpdate } from "./defaults.js";
import type { KObject } from "./meta.js";
import { findKind } from "./resources.js";
import type { CronJob, DaemonSet, Deployment, Job, Namespace, Pod, ReplicationController, Secret, Service, StatefulSet } from "./types/index.js";

function defaulted<T extends KObject>(obj: T): T {
  const ri = findKind(obj.apiVersion!, obj.kind!);
  if (!ri) throw new Error(`no resource for ${obj.kind}`);
  applyDefaults(obj, ri);
  return obj;
}

const template = () => ({ metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } });

describe("defaultPullPolicy", () => {
  it.each([
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["nginx:1.25", "IfNotPresent"],
    ["localhost:5000/nginx", "Always"],
    ["localhost:5000/nginx:v1", "IfNotPresent"],
    ["nginx@sha256:abcd", "IfNotPresent"],
  ])("%s -> %s", (image, policy) => expect(defaultPullPolicy(image)).toBe(policy));
});

describe("Pod defaults", () => {
  it("fills spec, containers, probes, volumes and status", () => {
    const pod = defaulted<Pod>({
      apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
      spec: {
        containers: [{
          name: "c", image: "nginx", ports: [{ containerPort: 80 }],
          env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
          livenessProbe: { httpGet: { port: 80 } },
        }],
        volumes: [{ name: "a" }, { name: "cm", configMap: { name: "x" } }, { name: "s", secret: { secretName: "y" } }],
      },
    });
    const s = pod.spec!;
    expect(s).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30, securityContext: {}, serviceAccountName: "default", serviceAccount: "default", enableServiceLinks: true, priority: 0 });
    const c = s.containers[0];
    expect(c).toMatchObject({ imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" });
    expect(c.ports![0].protocol).toBe("TCP");
    expect(c.env![0].valueFrom!.fieldRef!.apiVersion).toBe("v1");
    expect(c.livenessProbe).toEqual({ httpGet: { port: 80, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(s.volumes![0].emptyDir).toEqual({});
    expect(s.volumes![1].configMap!.defaultMode).toBe(420);
    expect(s.volumes![2].secret!.defaultMode).toBe(420);
    expect(s.tolerations!.map((t) => t.key)).toEqual(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);
    expect(pod.status).toEqual({ phase: "Pending", qosClass: "BestEffort" });
  });

  it("treats zero probe settings as unset", () => {
    const pod = defaulted<Pod>({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x", readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 0, periodSeconds: 5 } }] } });
    expect(pod.spec!.containers[0].readinessProbe).toMatchObject({ timeoutSeconds: 1, periodSeconds: 5, failureThreshold: 3 });
  });

  it("keeps what the user set", () => {
    const pod = defaulted<Pod>({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { restartPolicy: "Never", serviceAccountName: "robot", containers: [{ name: "c", image: "nginx", imagePullPolicy: "Never" }] } });
    expect(pod.spec!.restartPolicy).toBe("Never");
    expect(pod.spec!.serviceAccount).toBe("robot");
    expect(pod.spec!.containers[0].imagePullPolicy).toBe("Never");
  });

  it("defaults requests to limits and computes QoS", () => {
    const pod = defaulted<Pod>({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x:1", resources: { limits: { cpu: "1", memory: "1Gi" } } }] } });
    expect(pod.spec!.containers[0].resources!.requests).toEqual({ cpu: "1", memory: "1Gi" });
    expect(pod.status!.qosClass).toBe("Guaranteed");
  });

  it("classifies QoS", () => {
    expect(computeQOSClass({ containers: [{ name: "a" }] })).toBe("BestEffort");
    expect(computeQOSClass({ containers: [{ name: "a", resources: { requests: { cpu: "100m" } } }] })).toBe("Burstable");
    expect(computeQOSClass({ containers: [{ name: "a", resources: { requests: { cpu: "1000m", memory: "1Gi" }, limits: { cpu: "1", memory: "1024Mi" } } }] })).toBe("Guaranteed");
    expect(computeQOSClass({ containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }, { name: "b" }] })).toBe("Burstable");
  });
});

describe("workload defaults", () => {
  it("Deployment: replicas, strategy, limits, template", () => {
    const d = defaulted<Deployment>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "web" } }, template: template() } });
    expect(d.spec).toMatchObject({ replicas: 1, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    expect(d.spec!.template.spec!.restartPolicy).toBe("Always");
    expect(d.spec!.template.spec!.containers[0].imagePullPolicy).toBe("IfNotPresent");
    // Pod-only admission defaults stay out of templates.
    expect(d.spec!.template.spec!.serviceAccountName).toBeUndefined();
    expect(d.spec!.template.spec!.enableServiceLinks).toBeUndefined();
  });

  it("Deployment: Recreate gets no rollingUpdate; replicas 0 stays", () => {
    const d = defaulted<Deployment>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: 0, strategy: { type: "Recreate" }, selector: {}, template: template() } });
    expect(d.spec!.strategy).toEqual({ type: "Recreate" });
    expect(d.spec!.replicas).toBe(0);
  });

  it("ReplicationController takes selector and labels from its template", () => {
    const rc = defaulted<ReplicationController>({ apiVersion: "v1", kind: "ReplicationController", metadata: { name: "rc" }, spec: { template: template() } });
    expect(rc.spec!.selector).toEqual({ app: "web" });
    expect(rc.metadata.labels).toEqual({ app: "web" });
    expect(rc.spec!.replicas).toBe(1);
    const own = defaulted<ReplicationController>({ apiVersion: "v1", kind: "ReplicationController", metadata: { name: "rc", labels: { x: "y" } }, spec: { selector: { app: "web" }, template: template() } });
    expect(own.metadata.labels).toEqual({ x: "y" });
  });

  it("StatefulSet and DaemonSet", () => {
    const ss = defaulted<StatefulSet>({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" }, spec: { selector: {}, template: template() } });
    expect(ss.spec).toMatchObject({ replicas: 1, podManagementPolicy: "OrderedReady", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } }, revisionHistoryLimit: 10, persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" } });
    const ds = defaulted<DaemonSet>({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { selector: {}, template: template() } });
    expect(ds.spec).toMatchObject({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
  });

  it("Job: completions and parallelism", () => {
    const j = defaulted<Job>({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: template() } });
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false });
    expect(j.spec!.manualSelector).toBeUndefined();
    const queue = defaulted<Job>({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { parallelism: 3, template: template() } });
    expect(queue.spec!.completions).toBeUndefined();
    expect(queue.spec!.parallelism).toBe(3);
  });

  it("jobSelectorDefaults labels the template and selects on the uid", () => {
    const j: Job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi" }, spec: { template: template() } };
    jobSelectorDefaults(j, "u-1");
    expect(j.spec!.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } });
    expect(j.spec!.template.metadata!.labels).toMatchObject({ app: "web", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1", "job-name": "pi" });
    const manual: Job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "m" }, spec: { manualSelector: true, template: template() } };
    jobSelectorDefaults(manual, "u-2");
    expect(manual.spec!.selector).toBeUndefined();
  });

  it("CronJob", () => {
    const cj = defaulted<CronJob>({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: template() } } } });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec!.jobTemplate.spec!.template.spec!.dnsPolicy).toBe("ClusterFirst");
  });
});

describe("core defaults", () => {
  it("Service ClusterIP", () => {
    const svc = defaulted<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } });
    expect(svc.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None", ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", internalTrafficPolicy: "Cluster" });
    expect(svc.spec!.ports).toEqual([{ port: 80, protocol: "TCP", targetPort: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }]);
    expect(svc.spec!.externalTrafficPolicy).toBeUndefined();
    const zero = defaulted<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 8080, targetPort: 0 }] } });
    expect(zero.spec!.ports![0].targetPort).toBe(8080);
    expect(svc.spec!.clusterIP).toBeUndefined();
  });

  it("Service NodePort and ExternalName", () => {
    const np = defaulted<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "NodePort", ports: [{ port: 80 }] } });
    expect(np.spec!.externalTrafficPolicy).toBe("Cluster");
    const en = defaulted<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "ExternalName", externalName: "example.com" } });
    expect(en.spec!.ipFamilies).toBeUndefined();
  });

  it("Namespace, Secret", () => {
    const ns = defaulted<Namespace>({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    expect(ns.spec).toEqual({ finalizers: ["kubernetes"] });
    expect(ns.status).toEqual({ phase: "Active" });
    expect(ns.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "team" });
    expect(defaulted<Secret>({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }).type).toBe("Opaque");
  });

  it("leaves kinds without defaults alone", () => {
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { holderIdentity: "a" } };
    expect(defaulted(structuredClone(lease))).toEqual(lease);
  });
});

describe("prepareServiceUpdate", () => {
  const old: Service = { metadata: { name: "s" }, spec: { type: "NodePort", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], externalTrafficPolicy: "Cluster", ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] } };

  it("keeps allocated values the update omits", () => {
    const svc: Service = { metadata: { name: "s" }, spec: { type: "NodePort", ports: [{ port: 80, protocol: "TCP" }] } };
    prepareServiceUpdate(svc, structuredClone(old));
    expect(svc.spec).toMatchObject({ clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, nodePort: 30080 }] });
  });

  it("drops fields of the old type", () => {
    const svc: Service = structuredClone(old);
    svc.spec!.type = "ClusterIP";
    prepareServiceUpdate(svc, structuredClone(old));
    expect(svc.spec!.ports![0].nodePort).toBeUndefined();
    expect(svc.spec!.externalTrafficPolicy).toBeUndefined();
    const zero = defaulted<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 8080, targetPort: 0 }] } });
    expect(zero.spec!.ports![0].targetPort).toBe(8080);
    const en: Service = structuredClone(old);
    en.spec!.type = "ExternalName";
    prepareServiceUpdate(en, structuredClone(old));
    expect(en.spec!.clusterIP).toBeUndefined();
  });

  it("keeps healthCheckNodePort while a LoadBalancer stays Local, drops it when it no longer needs one", () => {
    const lb: Service = { metadata: { name: "s" }, spec: { type: "LoadBalancer", clusterIP: "10.96.0.10", externalTrafficPolicy: "Local", healthCheckNodePort: 31000, ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] } };
    const put: Service = { metadata: { name: "s" }, spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 80, protocol: "TCP" }] } };
    prepareServiceUpdate(put, structuredClone(lb));
    expect(put.spec!.healthCheckNodePort).toBe(31000);
    for (const change of [{ externalTrafficPolicy: "Cluster" as const }, { type: "NodePort" as const }]) {
      const svc: Service = structuredClone(lb);
      Object.assign(svc.spec!, change);
      prepareServiceUpdate(svc, structuredClone(lb));
      expect(svc.spec!.healthCheckNodePort).toBeUndefined();
    }
    // A Local NodePort never had one to keep.
    const np: Service = { metadata: { name: "s" }, spec: { type: "NodePort", externalTrafficPolicy: "Local", ports: [{ port: 80, protocol: "TCP" }] } };
    prepareServiceUpdate(np, { metadata: { name: "s" }, spec: { ...structuredClone(lb.spec!), type: "NodePort" } });
    expect(np.spec!.healthCheckNodePort).toBeUndefined();
  });
});
