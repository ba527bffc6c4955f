/**
 * @kates/kubelet: the node agent. Registers its Node, heartbeats a Lease, and runs the pods
 * bound to it through the runtime shim (or, in hollow mode, only pretends to).
 */
export * from "./node-status.js";
export * from "./node-lease.js";
export * from "./node-registration.js";
export * from "./pod-ip.js";
export * from "./hollow-pod-status.js";
export * from "./hollow.js";
export * from "./options.js";
export * from "./kubelet.js";
