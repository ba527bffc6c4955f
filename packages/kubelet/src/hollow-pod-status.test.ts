import { describe, expect, it } from "vitest";
import type { Pod } from "@kates/api";
import { hollowPodStatus, needsHollowStatus } from "./hollow-pod-status.js";

const pod: Pod = {
  metadata: { name: "p", namespace: "default", uid: "u" },
  spec: { nodeName: "n", initContainers: [{ name: "init", image: "busybox" }], containers: [{ name: "a", image: "nginx" }] },
  status: { phase: "Pending" },
};

describe("hollowPodStatus", () => {
  it("reports Running, Ready, with IPs and container statuses", () => {
    expect(needsHollowStatus(pod)).toBe(true);
    const s = hollowPodStatus(pod, "10.244.0.5", "10.64.0.1");
    expect(s).toMatchObject({ phase: "Running", podIP: "10.244.0.5", hostIP: "10.64.0.1" });
    expect(s.conditions?.filter((c) => c.status === "True").map((c) => c.type)).toEqual(expect.arrayContaining(["PodScheduled", "Initialized", "ContainersReady", "Ready"]));
    expect(s.containerStatuses?.[0]).toMatchObject({ name: "a", ready: true, restartCount: 0, image: "nginx" });
    expect(s.containerStatuses?.[0]?.state?.running?.startedAt).toBe(s.startTime);
    expect(s.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(needsHollowStatus({ ...pod, status: s })).toBe(false);
  });

  it("needs a new status when a container is missing from it", () => {
    const s = hollowPodStatus(pod, "10.244.0.5", "10.64.0.1");
    const grown: Pod = { ...pod, spec: { ...pod.spec!, containers: [...pod.spec!.containers, { name: "b", image: "x" }] }, status: s };
    expect(needsHollowStatus(grown)).toBe(true);
  });
});
