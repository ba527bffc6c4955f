/**
 * @kates/dns: the cluster DNS daemon's parts, importable for tests and tools: the wire
 * codec, the record index, the query handler, the forwarder and the kube-dns registration.
 */
export * from "./wire.js";
export * from "./records.js";
export * from "./forwarder.js";
export * from "./handler.js";
export * from "./server.js";
export * from "./register.js";
export * from "./endpoint-leases.js";
export { run, chooseUpstreams, defaultAdvertiseAddress, type RunOptions } from "./dns.js";
