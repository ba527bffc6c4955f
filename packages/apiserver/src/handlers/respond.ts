/**
 * Writing responses: JSON objects and lists, Tables for `Accept: ...;as=Table`, Status
 * bodies for errors, and Warning headers. kates always answers JSON: every Accept header
 * kubectl sends includes it, even the protobuf ones.
 */
import type { Request, Response } from "express";
import { ApiError, InternalError, type KObject, type ResourceInfo, type Status } from "@kates/api";
import { toTable, type IncludeObject } from "../printers/index.js";
import { storedJSON } from "../storage/etcd-store.js";

export function wantsTable(req: Request): boolean {
  const accept = String(req.headers.accept ?? "");
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function includeObjectOf(req: Request): IncludeObject {
  const v = req.query.includeObject;
  return v === "None" || v === "Object" ? v : "Metadata";
}

export function sendJSON(res: Response, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.status(code).setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

/** Sends one object, as a one-row Table when asked. */
export function sendObject(req: Request, res: Response, ri: ResourceInfo, code: number, obj: KObject): void {
  if (wantsTable(req)) {
    sendJSON(res, code, toTable(ri, [obj], { includeObject: includeObjectOf(req), resourceVersion: obj.metadata.resourceVersion }));
    return;
  }
  // An object as written to or read from etcd is sent as those bytes, not encoded again.
  const stored = storedJSON(obj);
  if (!stored) return sendJSON(res, code, obj);
  res.status(code).setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", stored.length);
  res.end(stored);
}

export function sendList(req: Request, res: Response, ri: ResourceInfo, items: KObject[], resourceVersion: string, cont?: string): void {
  if (wantsTable(req)) {
    sendJSON(res, 200, toTable(ri, items, { includeObject: includeObjectOf(req), resourceVersion, continue: cont }));
    return;
  }
  const metadata: { resourceVersion: string; continue?: string } = { resourceVersion };
  if (cont) metadata.continue = cont;
  sendJSON(res, 200, { kind: ri.listKind, apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, metadata, items });
}

/** Sends a list whose items are already JSON texts, joined without parsing them again. */
export function sendListJSON(res: Response, ri: ResourceInfo, items: (string | Buffer)[], resourceVersion: string, cont?: string): void {
  const metadata: { resourceVersion: string; continue?: string } = { resourceVersion };
  if (cont) metadata.continue = cont;
  const head = JSON.stringify({ kind: ri.listKind, apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, metadata, items: [] }).slice(0, -2);
  const parts: Buffer[] = [Buffer.from(head)];
  const comma = Buffer.from(",");
  items.forEach((item, i) => {
    if (i > 0) parts.push(comma);
    parts.push(typeof item === "string" ? Buffer.from(item) : item);
  });
  parts.push(Buffer.from("]}"));
  const body = Buffer.concat(parts);
  res.status(200).setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", body.length);
  res.end(body);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new InternalError(err instanceof Error ? err.message : String(err), { cause: err });
}

export function sendError(res: Response, err: unknown): void {
  const e = toApiError(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJSON(res, e.code, e.toStatus());
}

export function successStatus(details?: Status["details"]): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}

/** Adds `Warning: 299 - "text"` headers, escaping quotes so kubectl prints them. */
export function addWarnings(res: Response, warnings: string[]): void {
  if (!warnings.length) return;
  res.setHeader("Warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
}
