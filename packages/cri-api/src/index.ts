/**
 * @kates/cri-api: the one TypeScript view of proto/runtime.proto, shared by the kubelet
 * (client) and the runtime shim (server): message types and the proto loader.
 */
export * from "./load.js";
export * from "./types.js";
