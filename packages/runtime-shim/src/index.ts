/**
 * @kates/runtime-shim: the CRI-like gRPC runtime shim over Docker (kates-runtime-shim).
 * Exported for tests and tools; daemons talk to it only over proto/runtime.proto.
 */
export * from "./runtime-shim.js";
export { RUNTIME_PROTO_PATH, PROTO_LOADER_OPTIONS, loadRuntimeProto } from "@kates/cri-api";
export * from "./naming.js";
export * from "./labels.js";
export * from "./image-names.js";
export * from "./errors.js";
export { RUNTIME_API_VERSION } from "./server.js";
export type * from "@kates/cri-api";
