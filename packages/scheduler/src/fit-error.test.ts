import { describe, expect, it } from "vitest";
import { fitErrorMessage } from "./fit-error.js";
import { unresolvable, unschedulable } from "./plugins/types.js";

describe("fitErrorMessage", () => {
  it("words the histogram and the preemption verdict like kube-scheduler 1.32", () => {
    const msg = fitErrorMessage(3, [
      unschedulable("NodeResourcesFit", "Insufficient cpu"),
      unschedulable("NodeResourcesFit", "Insufficient cpu"),
      unresolvable("TaintToleration", "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"),
    ]);
    expect(msg).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. " +
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });

  it("counts every reason of a node and sorts equal counts alphabetically", () => {
    const msg = fitErrorMessage(2, [
      unschedulable("NodeResourcesFit", "Insufficient cpu", "Insufficient memory"),
      unresolvable("NodeAffinity", "node(s) didn't match Pod's node affinity/selector"),
    ]);
    expect(msg).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector. " +
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
  });

  it("says so when there are no nodes", () => {
    expect(fitErrorMessage(0, [])).toBe("no nodes available to schedule pods");
  });
});
