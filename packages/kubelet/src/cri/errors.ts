/** gRPC status codes from the runtime shim, turned back into typed errors the kubelet can branch on. */
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";

/** The gRPC code names the kubelet distinguishes. */
export type RuntimeErrorCode = "NOT_FOUND" | "ALREADY_EXISTS" | "UNAVAILABLE" | "INVALID_ARGUMENT" | "DEADLINE_EXCEEDED" | "FAILED_PRECONDITION" | "PERMISSION_DENIED" | "INTERNAL" | "UNKNOWN";

/** An error answered by (or on the way to) the runtime shim. */
export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string, readonly method?: string) {
    super(message);
    this.name = "RuntimeError";
  }
}

const NAMES: Partial<Record<number, RuntimeErrorCode>> = {
  [GrpcStatus.NOT_FOUND]: "NOT_FOUND",
  [GrpcStatus.ALREADY_EXISTS]: "ALREADY_EXISTS",
  [GrpcStatus.UNAVAILABLE]: "UNAVAILABLE",
  [GrpcStatus.INVALID_ARGUMENT]: "INVALID_ARGUMENT",
  [GrpcStatus.DEADLINE_EXCEEDED]: "DEADLINE_EXCEEDED",
  [GrpcStatus.FAILED_PRECONDITION]: "FAILED_PRECONDITION",
  [GrpcStatus.PERMISSION_DENIED]: "PERMISSION_DENIED",
  [GrpcStatus.INTERNAL]: "INTERNAL",
};

/** Converts a grpc-js ServiceError into a RuntimeError with the shim's own message. */
export function fromServiceError(err: ServiceError | Error, method?: string): RuntimeError {
  const e = err as Partial<ServiceError>;
  const code = (typeof e.code === "number" && NAMES[e.code]) || "UNKNOWN";
  return new RuntimeError(code, e.details || err.message, method);
}

export const isRuntimeNotFound = (e: unknown): boolean => e instanceof RuntimeError && e.code === "NOT_FOUND";
export const isRuntimeUnavailable = (e: unknown): boolean => e instanceof RuntimeError && e.code === "UNAVAILABLE";
