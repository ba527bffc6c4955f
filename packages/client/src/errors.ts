/** Transport-level error mapping: HTTP responses and socket failures become @kates/api typed errors. */
import { ApiError, ServiceUnavailableError, fromStatus, type Status } from "@kates/api";

const reasonByCode: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * The apiserver could not be reached or the connection broke (refused, reset, timed out).
 * It is an ApiError with code 503 so `isRetryable` from @kates/api says yes.
 */
export class ConnectionError extends ServiceUnavailableError {
  /** Always true: the request may succeed when tried again. */
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionError";
  }
}

/** True for failures to reach the apiserver at all (as opposed to a Status answer). */
export const isConnectionError = (e: unknown): e is ConnectionError => e instanceof ConnectionError;

/**
 * Turns a non-2xx response into a typed ApiError: a metav1.Status body is used as it is;
 * anything else (plain text from a proxy, empty body) gets the reason its HTTP code implies.
 */
export function errorFromResponse(statusCode: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && (parsed as { kind?: unknown }).kind === "Status") {
    return fromStatus(parsed as Partial<Status>, statusCode);
  }
  const message = body.trim() || `the server responded with HTTP ${statusCode}`;
  return fromStatus({ code: statusCode, reason: reasonByCode[statusCode] ?? "Unknown", message }, statusCode);
}
