/** Loads proto/runtime.proto (the repo's contract) with the options both sides agree on. */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Path of runtime.proto; src/ and dist/ are both three levels below the repo root. */
export const RUNTIME_PROTO_PATH = fileURLToPath(new URL("../../../proto/runtime.proto", import.meta.url));

export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

/** The kates.runtime.v1 package: RuntimeService and ImageService constructors and service definitions. */
export function loadRuntimeProto(): { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } {
  const def = protoLoader.loadSync(RUNTIME_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { kates: { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } } };
  const v1 = pkg.kates.runtime.v1;
  return { RuntimeService: v1.RuntimeService, ImageService: v1.ImageService };
}
