import { describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "@kates/api";
import { rolloutStatus, statusEqual } from "./deployment-status.js";

const NOW = Date.parse("2025-01-01T00:10:00Z");
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function deployment(status: Deployment["status"]): Deployment {
  return {
    metadata: { name: "web", namespace: "default", generation: 2 },
    spec: { replicas: 4, selector: { matchLabels: { app: "web" } }, template: {}, progressDeadlineSeconds: 60 },
    status,
  };
}

const rs = (name: string, replicas: number, available: number, conditions?: ReplicaSet["status"] extends infer S ? S extends { conditions?: infer C } ? C : never : never): ReplicaSet => ({
  metadata: { name },
  spec: { replicas, selector: {} },
  status: { replicas, readyReplicas: available, availableReplicas: available, conditions },
});

describe("rolloutStatus", () => {
  it("reports a complete rollout as NewReplicaSetAvailable and Available", () => {
    const s = rolloutStatus(deployment({}), [rs("web-a", 4, 4)], rs("web-a", 4, 4), NOW);
    expect(s).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "NewReplicaSetAvailable"],
    ]);
    expect(s.conditions?.[1]?.message).toBe(`ReplicaSet "web-a" has successfully progressed.`);
  });

  it("refreshes lastUpdateTime on progress but keeps the transition time", () => {
    const since = at(NOW - 120_000);
    const d = deployment({ replicas: 5, updatedReplicas: 1, availableReplicas: 3, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: since, lastTransitionTime: since }] });
    const s = rolloutStatus(d, [rs("old", 3, 3), rs("new", 2, 0)], rs("new", 2, 0), NOW);
    const p = s.conditions!.find((c) => c.type === "Progressing")!;
    expect(p).toMatchObject({ status: "True", reason: "ReplicaSetUpdated", lastTransitionTime: since, lastUpdateTime: at(NOW) });
  });

  it("times out when nothing moved within progressDeadlineSeconds", () => {
    const since = at(NOW - 61_000);
    const d = deployment({ replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: since, lastTransitionTime: since }] });
    const s = rolloutStatus(d, [rs("old", 3, 3), rs("new", 2, 0)], rs("new", 2, 0), NOW);
    expect(s.conditions!.find((c) => c.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "new" has timed out progressing.` });
  });

  it("does not time out before the deadline", () => {
    const since = at(NOW - 30_000);
    const d = deployment({ replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: since, lastTransitionTime: since }] });
    const s = rolloutStatus(d, [rs("old", 3, 3), rs("new", 2, 0)], rs("new", 2, 0), NOW);
    expect(s.conditions!.find((c) => c.type === "Progressing")?.reason).toBe("ReplicaSetUpdated");
    expect(statusEqual(d.status, s)).toBe(false); // observedGeneration and Available were added
  });

  it("copies ReplicaFailure from the ReplicaSets and clears it when gone", () => {
    const failing = rs("new", 2, 0, [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "pods \"x\" is forbidden" }]);
    const s = rolloutStatus(deployment({}), [failing], failing, NOW);
    expect(s.conditions!.find((c) => c.type === "ReplicaFailure")).toMatchObject({ status: "True", reason: "FailedCreate", message: "pods \"x\" is forbidden" });
    const healed = rolloutStatus({ ...deployment(s) }, [rs("new", 2, 0)], rs("new", 2, 0), NOW);
    expect(healed.conditions!.find((c) => c.type === "ReplicaFailure")).toBeUndefined();
  });
});
