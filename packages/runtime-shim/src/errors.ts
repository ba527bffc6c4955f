/**
 * One mapping from Docker engine errors to gRPC status codes, so the kubelet can tell "no
 * such container" (NOT_FOUND) from "name taken" (ALREADY_EXISTS) from "engine down"
 * (UNAVAILABLE) without parsing messages.
 */
import { status as Status, type ServiceError, Metadata } from "@grpc/grpc-js";

/** An error that carries a gRPC status code to the caller. */
export class RuntimeError extends Error {
  constructor(readonly code: Status, message: string) {
    super(message);
    this.name = "RuntimeError";
  }
}

export const notFound = (msg: string) => new RuntimeError(Status.NOT_FOUND, msg);
export const invalidArgument = (msg: string) => new RuntimeError(Status.INVALID_ARGUMENT, msg);

interface DockerishError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
  reason?: string;
}

/** The engine's own message, without dockerode's "(HTTP code 404) no such container -" wrapper. */
export function dockerMessage(err: unknown): string {
  const e = err as DockerishError;
  const msg = e?.json?.message ?? e?.message ?? String(err);
  return msg.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, "").trim();
}

/** Maps an engine (or shim) error to a gRPC status code and message; `what` prefixes the message. */
export function toGrpcError(err: unknown, what?: string): ServiceError {
  const prefix = what ? `${what}: ` : "";
  if (err instanceof RuntimeError) return serviceError(err.code, prefix + err.message);
  const e = err as DockerishError;
  const msg = dockerMessage(err);
  let code: Status;
  if (e?.code === "ECONNREFUSED" || e?.code === "ENOENT" || e?.code === "EACCES") code = Status.UNAVAILABLE;
  // Pull failures arrive as 404 or, mid-stream, without a status; "executable file not
  // found" (a start failure) must not look like a missing object, hence the narrow patterns.
  else if (/manifest unknown|manifest for \S+ not found|no such (image|container|exec)|repository \S+ not found/i.test(msg)) code = Status.NOT_FOUND;
  else {
    switch (e?.statusCode) {
      case 400: code = Status.INVALID_ARGUMENT; break;
      case 401:
      case 403: code = Status.PERMISSION_DENIED; break;
      case 404: code = Status.NOT_FOUND; break;
      case 409: code = /already in use|already exists/i.test(msg) ? Status.ALREADY_EXISTS : Status.FAILED_PRECONDITION; break;
      case 304: code = Status.FAILED_PRECONDITION; break;
      case 500: code = Status.INTERNAL; break;
      case 503: code = Status.UNAVAILABLE; break;
      default: code = e?.statusCode ? Status.UNKNOWN : Status.INTERNAL;
    }
  }
  return serviceError(code, prefix + msg);
}

function serviceError(code: Status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() }) as ServiceError;
}

/** Docker's 404 (the object is gone), for idempotent stop/remove. */
export function isDockerNotFound(err: unknown): boolean {
  return (err as DockerishError)?.statusCode === 404;
}
