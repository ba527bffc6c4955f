/**
 * Maps etcd client failures onto API errors, in one place (as etcd3's castGrpcError does
 * for gRPC): compaction becomes 410 Expired, an unreachable cluster 503, anything else 500.
 */
import { ApiError, ExpiredError, InternalError, ServiceUnavailableError } from "@kates/api";

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /compacted/i.test(err.message);
}

export function toApiError(err: unknown, what: string): ApiError {
  if (err instanceof ApiError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (isCompactedError(err)) return new ExpiredError(`The resourceVersion for the provided ${what} is too old.`);
  if (/unavailable|deadline|connect|closed|no connection|timeout/i.test(msg) || (err as { name?: string })?.name?.startsWith("GRPCUnavailable")) {
    return new ServiceUnavailableError(`etcd unavailable during ${what}: ${msg}`, { cause: err });
  }
  return new InternalError(`${what}: ${msg}`, { cause: err });
}
