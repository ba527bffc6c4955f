/**
 * @kates/kube-proxy: Services on every node. The daemon is main.ts; these exports let tests and
 * benchmarks render rules and build service maps without a process.
 */
export * from "./types.js";
export * from "./service-map.js";
export * from "./iptables/names.js";
export * from "./iptables/rules.js";
export * from "./iptables/restore.js";
export * from "./iptables/iptables.js";
export * from "./proxier.js";
export * from "./proxy.js";
export * from "./healthcheck/service-health-server.js";
export * from "./run.js";
