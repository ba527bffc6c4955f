/** NodePorts: a pod's hostPorts must not collide with those of pods already on the node. */
import { unschedulable, type FilterPlugin } from "./types.js";

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: FilterPlugin = {
  name: "NodePorts",
  forPod(pod) {
    if (pod.hostPorts.length === 0) return undefined;
    return (node) => {
      if (node.usedPorts.size === 0) return undefined;
      for (const hp of pod.hostPorts) {
        // 0.0.0.0 on either side overlaps every address of the same protocol and port.
        const clash = hp.hostIP === "0.0.0.0"
          ? node.usedPorts.has(`${hp.protocol}/${hp.port}`)
          : node.usedPorts.has(`${hp.protocol}/${hp.port}/${hp.hostIP}`) || node.usedPorts.has(`${hp.protocol}/${hp.port}/0.0.0.0`);
        if (clash) return unschedulable("NodePorts", ERR_REASON_PORTS);
      }
      return undefined;
    };
  },
};
