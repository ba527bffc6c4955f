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
export * from "./backoff.js";
export * from "./container-env.js";
export * from "./container-resources.js";
export * from "./volumes.js";
export * from "./runtime-state.js";
export * from "./pod-status.js";
export * from "./probes.js";
export * from "./pod-sync.js";
export * from "./node-agent.js";
export * from "./cri/errors.js";
export * from "./cri/runtime-client.js";
export type * from "@kates/cri-api";
