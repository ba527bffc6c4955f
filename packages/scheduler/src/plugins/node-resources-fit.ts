/**
 * NodeResourcesFit: the pod's cpu and memory requests must fit in allocatable minus what
 * the node's pods (assumed ones included) already request, and the node must have room for
 * one more pod. As in Kubernetes, a request larger than the node's whole allocatable can
 * never be satisfied (not even by preemption), so that case is unresolvable.
 */
import { unresolvable, unschedulable, type FilterPlugin, type Status } from "./types.js";

export const nodeResourcesFit: FilterPlugin = {
  name: "NodeResourcesFit",
  forPod(pod) {
    const req = pod.requests;
    return (node) => {
      const a = node.allocatable;
      const used = node.requested;
      let reasons: string[] | undefined;
      let unresolvableToo = false;
      if (node.pods.size + 1 > a.pods) (reasons ??= []).push("Too many pods");
      if (req.milliCPU > 0 && req.milliCPU > a.milliCPU - used.milliCPU) {
        (reasons ??= []).push("Insufficient cpu");
        unresolvableToo ||= req.milliCPU > a.milliCPU;
      }
      if (req.memory > 0 && req.memory > a.memory - used.memory) {
        (reasons ??= []).push("Insufficient memory");
        unresolvableToo ||= req.memory > a.memory;
      }
      if (!reasons) return undefined;
      const s: Status = unresolvableToo ? unresolvable("NodeResourcesFit", ...reasons) : unschedulable("NodeResourcesFit", ...reasons);
      return s;
    };
  },
};
