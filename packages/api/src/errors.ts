/**
 * Typed API errors. The apiserver throws them and turns them into metav1.Status bodies;
 * the client turns Status bodies back into them (`fromStatus`). Messages follow
 * Kubernetes word for word, since kubectl prints them verbatim.
 */
import type { Status, StatusCause, StatusDetails, StatusReason } from "./meta.js";

/** Base class: an error that carries a Kubernetes Status reason and HTTP code. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason | string;
  readonly details?: StatusDetails;

  constructor(code: number, reason: StatusReason | string, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The metav1.Status body for this error. */
  toStatus(): Status {
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** `pods "x"` or `deployments.apps "x"`: how Kubernetes names a group resource in messages. */
export function qualifiedResource(resource: string, group = ""): string {
  return group ? `${resource}.${group}` : resource;
}

export class NotFoundError extends ApiError {
  constructor(resource: string, name: string, group = "") {
    super(404, "NotFound", `${qualifiedResource(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource });
  }
}

/** 404 for a path that names no served resource (unknown group, version, resource or subresource). */
export class UnknownResourceError extends ApiError {
  constructor() {
    super(404, "NotFound", "the server could not find the requested resource", {});
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(resource: string, name: string, group = "") {
    super(409, "AlreadyExists", `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
  }
}

export class ConflictError extends ApiError {
  constructor(resource: string, name: string, group = "", why = "the object has been modified; please apply your changes to the latest version and try again") {
    super(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, { name, group: group || undefined, kind: resource });
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string, causes?: StatusCause[]) {
    super(400, "BadRequest", message, causes ? { causes } : undefined);
  }
}

/** 410: the requested resourceVersion is older than the retained history. */
export class ExpiredError extends ApiError {
  constructor(message: string) {
    super(410, "Expired", message);
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(message: string) {
    super(405, "MethodNotAllowed", message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string) {
    super(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${JSON.stringify(contentType)})`);
  }
}

export class RequestEntityTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limitBytes}`);
  }
}

export class InternalError extends ApiError {
  constructor(message: string, options?: ErrorOptions) {
    super(500, "InternalError", `Internal error occurred: ${message}`, undefined, options);
  }
}

export class ServiceUnavailableError extends ApiError {
  constructor(message: string, options?: ErrorOptions) {
    super(503, "ServiceUnavailable", message, undefined, options);
  }
}

export class TimeoutError extends ApiError {
  constructor(message: string) {
    super(504, "Timeout", message);
  }
}

/** Kinds of field problems, as Kubernetes' field.ErrorType names them. */
export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTypeInvalid";

const fieldErrorWords: Record<FieldErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTypeInvalid: "Invalid value",
};

/** One problem with one field, e.g. `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

export const fieldErrors = {
  required: (field: string, detail?: string): FieldError => ({ type: "FieldValueRequired", field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: "FieldValueInvalid", field, value, detail }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: "FieldValueNotSupported", field, value, detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: "FieldValueDuplicate", field, value }),
  forbidden: (field: string, detail: string): FieldError => ({ type: "FieldValueForbidden", field, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({ type: "FieldValueTooLong", field, value, detail: `must have at most ${max} bytes` }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({ type: "FieldValueTypeInvalid", field, value, detail }),
};

/** Renders one field error the way Kubernetes does in messages. */
export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${fieldErrorWords[e.type]}`;
  const showValue = e.type !== "FieldValueRequired" && e.type !== "FieldValueForbidden" && e.type !== "FieldValueTooLong" && e.value !== undefined;
  if (showValue) s += `: ${typeof e.value === "string" ? JSON.stringify(e.value) : JSON.stringify(e.value) ?? String(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** 422 Invalid: `Deployment.apps "bad" is invalid: spec.selector: Required value`. */
export class InvalidError extends ApiError {
  readonly fieldErrors: FieldError[];
  constructor(kind: string, name: string, errs: FieldError[], group = "") {
    const list = errs.map(formatFieldError);
    const body = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
    super(422, "Invalid", `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${body}`, {
      name,
      group: group || undefined,
      kind,
      causes: errs.map((e) => ({ reason: e.type, message: formatFieldError(e).slice(e.field.length + 2), field: e.field })),
    });
    this.fieldErrors = errs;
  }
}

/** Rebuilds a typed error from a Status body received over the wire. */
export function fromStatus(s: Partial<Status>, httpCode?: number): ApiError {
  const code = s.code ?? httpCode ?? 500;
  const reason = s.reason ?? "Unknown";
  const msg = s.message ?? `status ${code}`;
  const base = (cls: typeof ApiError) => new cls(code, reason, msg, s.details);
  switch (reason) {
    case "NotFound": return Object.setPrototypeOf(base(ApiError), NotFoundError.prototype);
    case "AlreadyExists": return Object.setPrototypeOf(base(ApiError), AlreadyExistsError.prototype);
    case "Conflict": return Object.setPrototypeOf(base(ApiError), ConflictError.prototype);
    case "Expired": case "Gone": return Object.setPrototypeOf(base(ApiError), ExpiredError.prototype);
    default: return base(ApiError);
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.reason === "AlreadyExists";
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.reason === "Conflict";
export const isExpired = (e: unknown): boolean => e instanceof ApiError && e.code === 410;
export const isInvalid = (e: unknown): boolean => e instanceof ApiError && e.code === 422;
/** Errors worth retrying as they are: conflicts, throttling, timeouts, unavailable servers. */
export const isRetryable = (e: unknown): boolean => e instanceof ApiError && [409, 429, 500, 503, 504].includes(e.code) && e.reason !== "AlreadyExists";
