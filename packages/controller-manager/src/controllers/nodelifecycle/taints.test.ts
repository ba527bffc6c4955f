import { describe, expect, it } from "vitest";
import type { Pod, Taint } from "@kates/api";
import { evictionTime, reconcileConditionTaints, taintsDiffer, TAINT_NOT_READY, TAINT_UNREACHABLE, toleratesTaint } from "./taints.js";

const now = new Date("2024-05-01T10:00:00Z");
const unreachable = (timeAdded = "2024-05-01T10:00:00Z"): Taint => ({ key: TAINT_UNREACHABLE, effect: "NoExecute", timeAdded });
const pod = (tolerations: NonNullable<Pod["spec"]>["tolerations"]): Pod => ({ metadata: { name: "p", namespace: "default" }, spec: { containers: [], tolerations } }) as Pod;
const never = () => {
  throw new Error("firstSeen should not be needed");
};

describe("reconcileConditionTaints", () => {
  it("adds unreachable NoSchedule and NoExecute for Ready Unknown, keeping other taints", () => {
    const other: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
    const out = reconcileConditionTaints([other], "Unknown", now);
    expect(out).toEqual([other, { key: TAINT_UNREACHABLE, effect: "NoSchedule", timeAdded: "2024-05-01T10:00:00Z" }, { key: TAINT_UNREACHABLE, effect: "NoExecute", timeAdded: "2024-05-01T10:00:00Z" }]);
  });

  it("swaps unreachable for not-ready when Ready turns False, and removes both when True", () => {
    const out = reconcileConditionTaints([unreachable()], "False", now);
    expect(out.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([`${TAINT_NOT_READY}:NoExecute`, `${TAINT_NOT_READY}:NoSchedule`]);
    expect(reconcileConditionTaints(out, "True", now)).toEqual([]);
  });

  it("keeps timeAdded of taints that stay, so the write is a no-op", () => {
    const before = reconcileConditionTaints([], "Unknown", new Date("2024-05-01T09:00:00Z"));
    const after = reconcileConditionTaints(before, "Unknown", now);
    expect(taintsDiffer(before, after)).toBe(false);
    expect(taintsDiffer(before, [])).toBe(true);
  });
});

describe("toleratesTaint", () => {
  it("follows Exists/Equal and effect matching", () => {
    const t = unreachable();
    expect(toleratesTaint({ operator: "Exists" }, t)).toBe(true);
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute" }, t)).toBe(true);
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoSchedule" }, t)).toBe(false);
    expect(toleratesTaint({ key: "dedicated", operator: "Equal", value: "gpu" }, { key: "dedicated", value: "gpu", effect: "NoExecute" })).toBe(true);
    expect(toleratesTaint({ key: "dedicated", operator: "Equal", value: "cpu" }, { key: "dedicated", value: "gpu", effect: "NoExecute" })).toBe(false);
  });
});

describe("evictionTime", () => {
  const added = Date.parse("2024-05-01T10:00:00Z");

  it("is immediate for a pod without a matching toleration", () => {
    expect(evictionTime(pod([]), [unreachable()], never)).toBe(0);
    expect(evictionTime(pod([{ key: TAINT_NOT_READY, operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]), [unreachable()], never)).toBe(0);
  });

  it("is timeAdded + tolerationSeconds for a time-limited toleration", () => {
    const p = pod([{ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 }]);
    expect(evictionTime(p, [unreachable()], never)).toBe(added + 2000);
  });

  it("takes the most lenient matching toleration, and never when one has no limit", () => {
    const limited = { key: TAINT_UNREACHABLE, operator: "Exists" as const, effect: "NoExecute" as const, tolerationSeconds: 2 };
    expect(evictionTime(pod([limited, { ...limited, tolerationSeconds: 30 }]), [unreachable()], never)).toBe(added + 30_000);
    expect(evictionTime(pod([limited, { operator: "Exists" }]), [unreachable()], never)).toBeUndefined();
  });

  it("uses the earliest deadline across taints, counting from firstSeen when timeAdded is missing", () => {
    const tols = [
      { key: TAINT_UNREACHABLE, operator: "Exists" as const, tolerationSeconds: 10 },
      { key: "maintenance", operator: "Exists" as const, tolerationSeconds: 5 },
    ];
    const maintenance: Taint = { key: "maintenance", effect: "NoExecute" };
    expect(evictionTime(pod(tols), [unreachable(), maintenance], () => added + 1000)).toBe(added + 6000);
  });

  it("ignores NoSchedule taints", () => {
    expect(evictionTime(pod([]), [{ key: TAINT_UNREACHABLE, effect: "NoSchedule" }], never)).toBeUndefined();
  });
});
