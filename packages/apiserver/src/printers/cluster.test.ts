import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { eventPrinter, leasePrinter, namespacePrinter, nodePrinter, nodeRoles } from "./cluster.js";

const now = new Date("2024-02-10T18:00:00Z");
const created = "2024-01-29T18:00:00Z";

describe("node printer", () => {
  const node = (labels: Record<string, string>, spec: Record<string, unknown>, status: Record<string, unknown>): KObject => ({ metadata: { name: "kind-control-plane", labels, creationTimestamp: created }, spec, status });

  it("prints a ready control-plane node with wide cells", () => {
    const n = node({ "node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "kind-control-plane" }, {}, {
      conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }],
      addresses: [{ type: "Hostname", address: "kind-control-plane" }, { type: "InternalIP", address: "172.18.0.2" }],
      nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.1.0-18-amd64", containerRuntimeVersion: "docker://24.0.7" },
    });
    expect(nodePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Status:0", "Roles:0", "Age:0", "Version:0", "Internal-IP:1", "External-IP:1", "OS-Image:1", "Kernel-Version:1", "Container-Runtime:1",
    ]);
    expect(nodePrinter.cells(n, now)).toEqual(["kind-control-plane", "Ready", "control-plane", "12d", "v1.32.0", "172.18.0.2", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "docker://24.0.7"]);
  });

  it("prints NotReady, Unknown and SchedulingDisabled", () => {
    expect(nodePrinter.cells(node({}, {}, { conditions: [{ type: "Ready", status: "Unknown" }] }), now)[1]).toBe("NotReady");
    expect(nodePrinter.cells(node({}, {}, { conditions: [{ type: "Ready", status: "False" }] }), now)[1]).toBe("NotReady");
    const cordoned = nodePrinter.cells(node({}, { unschedulable: true }, {}), now);
    expect(cordoned.slice(1, 3)).toEqual(["Unknown,SchedulingDisabled", "<none>"]);
    expect(cordoned.slice(7)).toEqual(["<unknown>", "<unknown>", "<unknown>"]);
  });

  it("collects roles from role labels, sorted and de-duplicated", () => {
    expect(nodeRoles({ "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": "true", "kubernetes.io/role": "worker", "node-role.kubernetes.io/": "" })).toEqual(["control-plane", "worker"]);
    expect(nodeRoles({ "kubernetes.io/role": "" })).toEqual([]);
  });
});

describe("namespace, lease and event printers", () => {
  it("prints a namespace's phase", () => {
    expect(namespacePrinter.cells({ metadata: { name: "default", creationTimestamp: created }, status: { phase: "Active" } }, now)).toEqual(["default", "Active", "12d"]);
  });

  it("prints a lease holder", () => {
    const lease: KObject = { metadata: { name: "kube-scheduler", namespace: "kube-system", creationTimestamp: created }, spec: { holderIdentity: "node1_abc" } };
    expect(leasePrinter.cells(lease, now)).toEqual(["kube-scheduler", "node1_abc", "12d"]);
    expect(leasePrinter.cells({ metadata: { name: "x", creationTimestamp: created }, spec: {} }, now)[1]).toBe("");
  });

  it("prints events in Kubernetes' column order with the name last", () => {
    expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Last Seen:0", "Type:0", "Reason:0", "Object:0", "Subobject:1", "Source:1", "Message:0", "First Seen:1", "Count:1", "Name:1",
    ]);
    expect(eventPrinter.columns.find((c) => c.format === "name")?.name).toBe("Name");
    const ev: KObject = {
      metadata: { name: "nginx.17b2", namespace: "default", creationTimestamp: "2024-02-10T17:50:00Z" },
      involvedObject: { kind: "Pod", name: "nginx", fieldPath: "spec.containers{nginx}" },
      type: "Normal",
      reason: "Pulled",
      message: "Successfully pulled image \"nginx\"\n",
      source: { component: "kubelet", host: "kind-control-plane" },
      firstTimestamp: "2024-02-10T17:50:00Z",
      lastTimestamp: "2024-02-10T17:58:00Z",
      count: 4,
    };
    expect(eventPrinter.cells(ev, now)).toEqual(["2m", "Normal", "Pulled", "pod/nginx", "spec.containers{nginx}", "kubelet, kind-control-plane", "Successfully pulled image \"nginx\"", "10m", 4, "nginx.17b2"]);
  });

  it("falls back to eventTime, series and reporting fields for new-style events", () => {
    const ev: KObject = {
      metadata: { name: "e", creationTimestamp: created },
      involvedObject: { kind: "Node" },
      eventTime: "2024-02-10T17:59:30Z",
      reportingComponent: "scheduler",
      type: "Warning",
      reason: "FailedScheduling",
    };
    expect(eventPrinter.cells(ev, now)).toEqual(["30s", "Warning", "FailedScheduling", "node", "", "scheduler", "", "30s", 1, "e"]);
    const series = { ...ev, series: { count: 7, lastObservedTime: "2024-02-10T17:59:55Z" } };
    const cells = eventPrinter.cells(series, now);
    expect([cells[0], cells[8]]).toEqual(["5s", 7]);
  });
});
