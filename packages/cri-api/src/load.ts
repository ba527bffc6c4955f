/** Loads proto/runtime.proto (the repo's contract) with the options the kubelet and the shim agree on. */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Path of runtime.proto; packages/cri-api/src and packages/cri-api/dist are both three levels below the repo root. */
export const RUNTIME_PROTO_PATH = fileURLToPath(new URL("../../../proto/runtime.proto", import.meta.url));

/** proto-loader options that produce the shapes in types.ts: snake_case fields, longs as numbers, enums as names, defaults filled. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

/** The kates.runtime.v1 package: RuntimeService and ImageService client constructors (each with its .service definition). */
export function loadRuntimeProto(): { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } {
  const def = protoLoader.loadSync(RUNTIME_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { kates: { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } } };
  const v1 = pkg.kates.runtime.v1;
  return { RuntimeService: v1.RuntimeService!, ImageService: v1.ImageService! };
}
