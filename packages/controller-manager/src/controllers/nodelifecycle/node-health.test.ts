import { describe, expect, it } from "vitest";
import type { Lease, Node } from "@kates/api";
import { NodeHealthTracker, unknownConditions } from "./node-health.js";

const node = (conditions: NonNullable<Node["status"]>["conditions"] = []): Node => ({ metadata: { name: "n1", creationTimestamp: "2024-05-01T09:00:00Z" }, status: { conditions } });
const lease = (renewTime: string): Lease => ({ metadata: { name: "n1", namespace: "kube-node-lease" }, spec: { renewTime } });

describe("NodeHealthTracker", () => {
  it("is stale only once the heartbeat has not changed for longer than grace", () => {
    const h = new NodeHealthTracker(4000);
    expect(h.stale(node(), lease("t1"), 0)).toBe(false);
    expect(h.stale(node(), lease("t1"), 4000)).toBe(false);
    expect(h.stale(node(), lease("t1"), 4001)).toBe(true);
    // A renewal resets the clock, whatever the renewTime says about the lessee's clock.
    expect(h.stale(node(), lease("t2"), 5000)).toBe(false);
    expect(h.stale(node(), lease("t2"), 8000)).toBe(false);
    expect(h.stale(node(), lease("t2"), 9001)).toBe(true);
  });

  it("reports the deadline of the last observed heartbeat", () => {
    const h = new NodeHealthTracker(4000);
    expect(h.deadline("n1")).toBeUndefined();
    h.stale(node(), lease("t1"), 1000);
    expect(h.deadline("n1")).toBe(5000);
    h.stale(node(), lease("t2"), 2500);
    expect(h.deadline("n1")).toBe(6500);
  });

  it("treats a node without a lease like one whose lease never changes", () => {
    const h = new NodeHealthTracker(1000);
    expect(h.stale(node(), undefined, 0)).toBe(false);
    expect(h.stale(node(), undefined, 1500)).toBe(true);
    h.forget("n1");
    expect(h.stale(node(), undefined, 1600)).toBe(false);
  });
});

describe("unknownConditions", () => {
  const now = new Date("2024-05-01T10:00:00Z");

  it("marks the kubelet's conditions Unknown and keeps their heartbeat", () => {
    const out = unknownConditions(node([
      { type: "Ready", status: "True", lastHeartbeatTime: "2024-05-01T09:59:50Z", reason: "KubeletReady" },
      { type: "MemoryPressure", status: "False", lastHeartbeatTime: "2024-05-01T09:59:50Z" },
      { type: "NetworkUnavailable", status: "False" },
    ]), now)!;
    expect(out.find((c) => c.type === "Ready")).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastHeartbeatTime: "2024-05-01T09:59:50Z", lastTransitionTime: "2024-05-01T10:00:00Z" });
    expect(out.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");
    expect(out.find((c) => c.type === "NetworkUnavailable")?.status).toBe("False");
  });

  it("adds Ready Unknown when the kubelet never posted, and does nothing when already Unknown", () => {
    expect(unknownConditions(node(), now)).toEqual([expect.objectContaining({ type: "Ready", status: "Unknown", message: "Kubelet never posted node status." })]);
    expect(unknownConditions(node([{ type: "Ready", status: "Unknown" }]), now)).toBeUndefined();
  });
});
