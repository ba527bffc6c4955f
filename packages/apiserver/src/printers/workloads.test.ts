import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from "./workloads.js";

const now = new Date("2024-02-10T18:00:00Z");
const meta = (name: string, extra: Partial<KObject["metadata"]> = {}) => ({ name, namespace: "default", creationTimestamp: "2024-02-10T17:55:27Z", ...extra });
const template = { spec: { containers: [{ name: "nginx", image: "nginx:1.24" }, { name: "side", image: "busybox" }] } };
const names = (cols: { name: string }[]) => cols.map((c) => c.name);

describe("workload printers", () => {
  it("prints a deployment as `kubectl get deploy` does", () => {
    const d: KObject = {
      metadata: meta("myapp-deployment"),
      spec: { replicas: 6, selector: { matchLabels: { app: "myapp" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }] }, template },
      status: { replicas: 8, updatedReplicas: 3, readyReplicas: 5, availableReplicas: 5 },
    };
    expect(names(deploymentPrinter.columns)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
    expect(deploymentPrinter.cells(d, now)).toEqual(["myapp-deployment", "5/6", 3, 5, "4m33s", "nginx,side", "nginx:1.24,busybox", "app=myapp,env in (dev,prod)"]);
  });

  it("prints zeros for a deployment without status", () => {
    const d: KObject = { metadata: meta("new"), spec: { replicas: 1, selector: {}, template } };
    expect(deploymentPrinter.cells(d, now).slice(1, 4)).toEqual(["0/1", 0, 0]);
  });

  it("prints replica sets and replication controllers with their selectors", () => {
    const rs: KObject = { metadata: meta("web-7b8958bfff"), spec: { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "7b8958bfff" } }, template }, status: { replicas: 3, readyReplicas: 2 } };
    expect(names(replicaSetPrinter.columns)).toEqual(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"]);
    expect(replicaSetPrinter.cells(rs, now)).toEqual(["web-7b8958bfff", 3, 3, 2, "4m33s", "nginx,side", "nginx:1.24,busybox", "app=web,pod-template-hash=7b8958bfff"]);
    const rc: KObject = { metadata: meta("rc"), spec: { replicas: 2, selector: { b: "2", a: "1" }, template }, status: { replicas: 1 } };
    expect(replicationControllerPrinter.cells(rc, now)).toEqual(["rc", 2, 1, 0, "4m33s", "nginx,side", "nginx:1.24,busybox", "a=1,b=2"]);
  });

  it("prints stateful sets and daemon sets", () => {
    const sts: KObject = { metadata: meta("db"), spec: { replicas: 3, template }, status: { readyReplicas: 1 } };
    expect(names(statefulSetPrinter.columns)).toEqual(["Name", "Ready", "Age", "Containers", "Images"]);
    expect(statefulSetPrinter.cells(sts, now)).toEqual(["db", "1/3", "4m33s", "nginx,side", "nginx:1.24,busybox"]);
    const ds: KObject = {
      metadata: meta("agent"),
      spec: { selector: { matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }, { key: "app", operator: "Exists" }] }, template: { spec: { ...template.spec, nodeSelector: { "kubernetes.io/os": "linux" } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    expect(names(daemonSetPrinter.columns)).toEqual(["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"]);
    expect(daemonSetPrinter.cells(ds, now)).toEqual(["agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "4m33s", "nginx,side", "nginx:1.24,busybox", "app,!legacy"]);
  });

  it("prints jobs with status, completions and duration", () => {
    const job = (spec: Record<string, unknown>, status: Record<string, unknown>, extra = {}): KObject => ({ metadata: meta("pi", extra), spec: { template, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } }, ...spec }, status });
    expect(names(jobPrinter.columns)).toEqual(["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"]);
    const complete = job({ completions: 1 }, { succeeded: 1, startTime: "2024-02-10T17:55:30Z", completionTime: "2024-02-10T17:56:05Z", conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] });
    expect(jobPrinter.cells(complete, now)).toEqual(["pi", "Complete", "1/1", "35s", "4m33s", "nginx,side", "nginx:1.24,busybox", "batch.kubernetes.io/controller-uid=u1"]);
    expect(jobPrinter.cells(job({ completions: 3 }, { succeeded: 1, startTime: "2024-02-10T17:57:00Z" }), now).slice(1, 4)).toEqual(["Running", "1/3", "3m"]);
    expect(jobPrinter.cells(job({ parallelism: 4 }, {}), now).slice(1, 4)).toEqual(["Running", "0/1 of 4", ""]);
    expect(jobPrinter.cells(job({}, { conditions: [{ type: "Failed", status: "True" }] }), now)[1]).toBe("Failed");
    expect(jobPrinter.cells(job({}, { conditions: [{ type: "Suspended", status: "True" }] }), now)[1]).toBe("Suspended");
    expect(jobPrinter.cells(job({}, { conditions: [{ type: "Complete", status: "False" }] }), now)[1]).toBe("Running");
    expect(jobPrinter.cells(job({}, {}, { deletionTimestamp: "2024-02-10T17:59:00Z" }), now)[1]).toBe("Terminating");
  });

  it("prints cron jobs", () => {
    const cj: KObject = {
      metadata: meta("hello"),
      spec: { schedule: "*/1 * * * *", suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: "hello-1" }], lastScheduleTime: "2024-02-10T17:59:00Z" },
    };
    expect(names(cronJobPrinter.columns)).toEqual(["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"]);
    expect(cronJobPrinter.cells(cj, now)).toEqual(["hello", "*/1 * * * *", "<none>", "False", 1, "60s", "4m33s", "nginx,side", "nginx:1.24,busybox", "<none>"]);
    const bare: KObject = { metadata: meta("b"), spec: { schedule: "@daily", timeZone: "Etc/UTC" } };
    expect(cronJobPrinter.cells(bare, now).slice(1, 6)).toEqual(["@daily", "Etc/UTC", "<unset>", 0, "<none>"]);
  });
});
