/**
 * The cross-cutting steps every apiserver request passes, however it arrives: express routes
 * run them as middleware, and the raw 'upgrade' listener (pods/exec, attach, portforward),
 * which express never sees, calls the same functions. Kubernetes likewise runs upgrades
 * through its one filter chain, so they are described, authorized, logged and counted alike.
 */
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { sendError } from "./respond.js";

/** What a request is about, as Kubernetes' RequestInfoFactory sees it, plus the metrics verb. */
export interface RequestAttributes {
  method: string;
  path: string;
  isResourceRequest: boolean;
  /** Authorization verb: get, list, watch, create, update, patch, delete, deletecollection (lower-case method otherwise). */
  verb: string;
  /** apiserver_request_total's verb: the method upper-cased, LIST, WATCH, or CONNECT for streaming subresources. */
  metricsVerb: string;
  apiGroup: string;
  namespace?: string;
  resource: string;
  subresource: string;
  name?: string;
}

/** The authenticated user; a placeholder until authentication exists. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** Subresources served by a "connecter" (a stream, not an object), which Kubernetes' metrics call CONNECT. */
const CONNECT_SUBRESOURCES = new Set(["exec", "attach", "portforward", "proxy"]);
/** Subresources of namespaces themselves: /api/v1/namespaces/NS/status is not "resource status in NS". */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
const METHOD_VERBS: Record<string, string> = { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" };

const isTrue = (v: string | null) => v === "true" || v === "1";

/**
 * Describes a request from its method and URL alone. Unlike parseRequestInfo it never throws
 * and does not look the resource up, since unknown paths must be logged and counted too.
 */
export function requestAttributes(method: string, url: string): RequestAttributes {
  const u = new URL(url, "http://apiserver");
  const path = u.pathname;
  const parts = path.split("/").filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  const start = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : -1;
  const base = { method, path, apiGroup: "", resource: "", subresource: "" };
  if (start < 0 || parts.length <= start) {
    return { ...base, isResourceRequest: false, verb: method.toLowerCase(), metricsVerb: method.toUpperCase() };
  }
  let rest = parts.slice(start);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]!))) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === "namespaces" && rest.length >= 2) {
    namespace = rest[1];
  }
  const [resource = "", name, subresource = ""] = rest;
  let verb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (verb === "get" && !name) verb = isTrue(u.searchParams.get("watch")) ? "watch" : "list";
  if (verb === "delete" && !name) verb = "deletecollection";
  let metricsVerb = verb === "list" ? "LIST" : verb === "watch" ? "WATCH" : method.toUpperCase();
  if (CONNECT_SUBRESOURCES.has(subresource)) metricsVerb = "CONNECT";
  return { ...base, isResourceRequest: true, verb, metricsVerb, apiGroup: start === 3 ? parts[1]! : "", namespace, resource, name, subresource };
}

/** Placeholder authentication: every request is the anonymous admin, as on an insecure local port. */
export function authenticateRequest(req: IncomingMessage): UserInfo {
  const user = { name: "system:anonymous-admin", groups: ["system:masters"] };
  (req as IncomingMessage & { user?: UserInfo }).user = user;
  return user;
}

/** Placeholder authorization: allows everything; RBAC plugs in here and throws a 403 ApiError to deny. */
export function authorizeRequest(_user: UserInfo, _attrs: RequestAttributes): void {}

/** Where finished requests are counted; ApiMetrics implements it. */
export interface RequestRecorder {
  record(attrs: RequestAttributes, code: number, seconds: number): void;
}

/** One finished (or refused, or switched) request. */
export interface RequestOutcome {
  attrs: RequestAttributes;
  code: number;
  seconds: number;
  userAgent?: string;
}

/** Logs one structured line for a request and counts it: the same line and labels for both paths. */
export function observeRequest(log: Logger, recorder: RequestRecorder, o: RequestOutcome): void {
  recorder.record(o.attrs, o.code, o.seconds);
  const a = o.attrs;
  const entry = {
    method: a.method, path: a.path, verb: a.verb, ...(a.isResourceRequest ? { resource: a.resource } : {}),
    ...(a.subresource ? { subresource: a.subresource } : {}), ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}),
    code: o.code, ms: Math.round(o.seconds * 1e5) / 100, ua: o.userAgent,
  };
  if (o.code >= 500) log.warn(entry, "request");
  else log.info(entry, "request");
}

/** Seconds since a process.hrtime.bigint() reading. */
export const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** Express middleware: describes the request up front, then logs and counts it when its response finishes. */
export function observeRequests(log: Logger, recorder: RequestRecorder) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    const attrs = requestAttributes(req.method, req.originalUrl);
    res.on("finish", () => observeRequest(log, recorder, { attrs, code: res.statusCode, seconds: secondsSince(start), userAgent: req.headers["user-agent"] }));
    next();
  };
}

/** Express middleware: the authn/authz placeholders; a denial answers with its Status. */
export function authFilter(req: Request, res: Response, next: NextFunction): void {
  try {
    authorizeRequest(authenticateRequest(req), requestAttributes(req.method, req.originalUrl));
  } catch (err) {
    return sendError(res, err);
  }
  next();
}
