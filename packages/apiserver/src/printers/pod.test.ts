import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { podPrinter, podStatusSummary } from "./pod.js";

const now = new Date("2024-02-10T18:00:00Z");

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Partial<KObject["metadata"]> = {}): KObject {
  return { metadata: { name: "p", namespace: "default", creationTimestamp: "2024-02-10T17:52:03Z", ...meta }, spec: { containers: [{ name: "c" }], ...spec }, status };
}

const running = { running: { startedAt: "2024-02-10T17:52:10Z" } };
const summary = (p: KObject) => podStatusSummary(p, now);

describe("pod printer", () => {
  it("prints a running pod with the wide cells", () => {
    const p = pod(
      { nodeName: "kind-control-plane" },
      { phase: "Running", podIP: "10.244.0.7", podIPs: [{ ip: "10.244.0.7" }], containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: running }] },
    );
    expect(podPrinter.cells(p, now)).toEqual(["p", "1/1", "Running", "0", "7m57s", "10.244.0.7", "kind-control-plane", "<none>", "<none>"]);
    expect(podPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Ready:0", "Status:0", "Restarts:0", "Age:0", "IP:1", "Node:1", "Nominated Node:1", "Readiness Gates:1",
    ]);
    expect(podPrinter.columns[0].format).toBe("name");
  });

  it("shows Pending and <none> for a pod that is not scheduled yet", () => {
    const cells = podPrinter.cells(pod({}, { phase: "Pending" }), now);
    expect(cells.slice(1, 4)).toEqual(["0/1", "Pending", "0"]);
    expect(cells.slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);
  });

  it.each(["ContainerCreating", "ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff"])("shows the waiting reason %s", (reason) => {
    const p = pod({}, { phase: "Pending", containerStatuses: [{ name: "c", ready: false, restartCount: 0, state: { waiting: { reason } } }] });
    expect(summary(p)).toEqual({ ready: "0/1", status: reason, restarts: "0" });
  });

  it("shows restarts with the age of the last termination", () => {
    const p = pod({}, {
      phase: "Running",
      containerStatuses: [{ name: "c", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: "2024-02-10T17:55:00Z" } } }],
    });
    expect(summary(p)).toEqual({ ready: "0/1", status: "CrashLoopBackOff", restarts: "3 (5m ago)" });
  });

  it("shows terminated reasons, and exit codes or signals when no reason is given", () => {
    const term = (t: Record<string, unknown>) => pod({}, { phase: "Failed", containerStatuses: [{ name: "c", state: { terminated: t } }] });
    expect(summary(term({ exitCode: 0, reason: "Completed" })).status).toBe("Completed");
    expect(summary(term({ exitCode: 1, reason: "Error" })).status).toBe("Error");
    expect(summary(term({ exitCode: 137 })).status).toBe("ExitCode:137");
    expect(summary(term({ exitCode: 137, signal: 9 })).status).toBe("Signal:9");
  });

  it("lets the first container's state win and counts ready ones", () => {
    const p = pod({ containers: [{ name: "a" }, { name: "b" }] }, {
      phase: "Running",
      containerStatuses: [
        { name: "a", ready: false, state: { waiting: { reason: "ImagePullBackOff" } } },
        { name: "b", ready: true, state: running },
      ],
    });
    expect(summary(p)).toEqual({ ready: "1/2", status: "ImagePullBackOff", restarts: "0" });
  });

  it("reports Running, not Completed, while another container still runs and the pod is ready", () => {
    const statuses = [
      { name: "a", ready: false, state: { terminated: { exitCode: 0, reason: "Completed" } } },
      { name: "b", ready: true, state: running },
    ];
    const spec = { containers: [{ name: "a" }, { name: "b" }] };
    expect(summary(pod(spec, { phase: "Running", containerStatuses: statuses, conditions: [{ type: "Ready", status: "True" }] })).status).toBe("Running");
    expect(summary(pod(spec, { phase: "Running", containerStatuses: statuses })).status).toBe("NotReady");
  });

  it("shows init container progress and failures", () => {
    const spec = { initContainers: [{ name: "i1" }, { name: "i2" }] };
    const done = { name: "i1", state: { terminated: { exitCode: 0, reason: "Completed" } } };
    expect(summary(pod(spec, { phase: "Pending", initContainerStatuses: [{ name: "i1", state: { running: {} } }, { name: "i2", state: { waiting: { reason: "PodInitializing" } } }] })).status).toBe("Init:0/2");
    expect(summary(pod(spec, { phase: "Pending", initContainerStatuses: [done, { name: "i2", state: { running: {} } }] })).status).toBe("Init:1/2");
    expect(summary(pod(spec, { phase: "Pending", initContainerStatuses: [{ name: "i1", restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } }] }))).toEqual({ ready: "0/1", status: "Init:CrashLoopBackOff", restarts: "2" });
    expect(summary(pod(spec, { phase: "Failed", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 2, reason: "Error" } } }] })).status).toBe("Init:Error");
    expect(summary(pod(spec, { phase: "Failed", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 2 } } }] })).status).toBe("Init:ExitCode:2");
  });

  it("counts started sidecar init containers as containers of the pod", () => {
    const p = pod({ initContainers: [{ name: "side", restartPolicy: "Always" }] }, {
      phase: "Running",
      initContainerStatuses: [{ name: "side", started: true, ready: true, state: running }],
      containerStatuses: [{ name: "c", ready: true, state: running }],
    });
    expect(summary(p)).toEqual({ ready: "2/2", status: "Running", restarts: "0" });
  });

  it("shows Terminating for a deleted pod that has not finished, but keeps a terminal phase", () => {
    const meta = { deletionTimestamp: "2024-02-10T17:59:00Z" };
    expect(summary(pod({}, { phase: "Running", containerStatuses: [{ name: "c", ready: true, state: running }] }, meta)).status).toBe("Terminating");
    expect(summary(pod({}, { phase: "Succeeded", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 0, reason: "Completed" } } }] }, meta)).status).toBe("Completed");
    expect(summary(pod({}, { phase: "Running", reason: "NodeLost" }, meta)).status).toBe("Unknown");
  });

  it("prefers status.reason over the phase, and SchedulingGated over both", () => {
    expect(summary(pod({}, { phase: "Failed", reason: "Evicted" })).status).toBe("Evicted");
    expect(summary(pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] })).status).toBe("SchedulingGated");
  });

  it("counts true readiness gates and marks finished pods with a Completed row condition", () => {
    const p = pod({ readinessGates: [{ conditionType: "a" }, { conditionType: "b" }] }, { phase: "Succeeded", conditions: [{ type: "a", status: "True" }, { type: "b", status: "False" }] });
    expect(podPrinter.cells(p, now)[8]).toBe("1/2");
    expect(podPrinter.conditions?.(p)?.[0]).toMatchObject({ type: "Completed", status: "True", reason: "Succeeded" });
    expect(podPrinter.conditions?.(pod({}, { phase: "Running" }))).toBeUndefined();
  });
});
