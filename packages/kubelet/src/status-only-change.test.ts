import { describe, expect, it } from "vitest";
import type { Pod } from "@kates/api";
import { statusOnlyChange } from "./node-agent.js";

const pod = (over: Partial<Pod> = {}): Pod => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1", resourceVersion: "1" },
  spec: { nodeName: "n", containers: [{ name: "app", image: "busybox" }] },
  status: { phase: "Pending" },
  ...over,
} as Pod);

describe("statusOnlyChange", () => {
  it("ignores the kubelet's own status writes", () => {
    expect(statusOnlyChange(pod(), pod({ metadata: { ...pod().metadata, resourceVersion: "2" }, status: { phase: "Running" } }))).toBe(true);
  });
  it("sees deletion, spec, label changes and a new pod under the same name", () => {
    expect(statusOnlyChange(pod(), pod({ metadata: { ...pod().metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } }))).toBe(false);
    expect(statusOnlyChange(pod(), pod({ spec: { ...pod().spec!, activeDeadlineSeconds: 5 } }))).toBe(false);
    expect(statusOnlyChange(pod(), pod({ metadata: { ...pod().metadata, labels: { a: "b" } } }))).toBe(false);
    expect(statusOnlyChange(pod(), pod({ metadata: { ...pod().metadata, uid: "u2" } }))).toBe(false);
  });
});
