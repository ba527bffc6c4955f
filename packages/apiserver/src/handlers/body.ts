/**
 * Request bodies: read with a size limit, decoded by Content-Type (JSON, YAML, Kubernetes
 * protobuf), and checked against the schema per `fieldValidation` (Strict rejects unknown
 * fields, Warn reports them in Warning headers, Ignore drops them; they are never stored).
 */
import type { Request } from "express";
import YAML from "yaml";
import { duplicateFields, mayHaveDuplicateFields } from "./duplicate-fields.js";
import {
  BadRequestError, RequestEntityTooLargeError, UnsupportedMediaTypeError,
  checkFields, decodeProtobufObject, pruneUnknownFields, type KObject,
} from "@kates/api";

/** Kubernetes' limit for one request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new RequestEntityTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestEntityTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: Request): string {
  return String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
}

/** Decodes an object body (create/update) in JSON, YAML or protobuf. */
export function decodeObject(body: Buffer, contentType: string): KObject {
  if (!body.length) throw new BadRequestError("the body of the request was empty");
  let value: unknown;
  switch (contentType) {
    case "":
    case "application/json": {
      const text = body.toString("utf8");
      value = parseJSONText(text);
      // Checked here, before anything is added to the object (see enforceSchema).
      if (typeof value === "object" && value !== null && !mayHaveDuplicateFields(text, value)) noDuplicates.add(value);
      break;
    }
    case "application/yaml":
    case "application/x-yaml":
    case "text/yaml":
      value = parseYAML(body);
      break;
    case "application/vnd.kubernetes.protobuf":
      value = decodeProtobufObject(body);
      break;
    default:
      throw new UnsupportedMediaTypeError(contentType);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequestError("the object provided is unrecognized (must be a JSON object)");
  }
  const obj = value as KObject;
  obj.metadata ??= {};
  return obj;
}

/** Objects decoded from JSON that certainly had no duplicated keys (enforceSchema skips the scan). */
const noDuplicates = new WeakSet<object>();

export function parseJSON(body: Buffer): unknown {
  return parseJSONText(body.toString("utf8"));
}

function parseJSONText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`the object provided is unrecognized: json parse error: ${(err as Error).message}`);
  }
}

export function parseYAML(body: Buffer): unknown {
  try {
    return YAML.parse(body.toString("utf8"), { version: "1.1" });
  } catch (err) {
    throw new BadRequestError(`the object provided is unrecognized: yaml parse error: ${(err as Error).message}`);
  }
}

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export function fieldValidationOf(v: unknown): FieldValidation {
  if (v === undefined || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw new BadRequestError(`fieldValidation parameter unsupported: ${String(v)}`);
}

/**
 * Applies the field-validation policy to a decoded object and returns the warnings to send.
 * Wrong types are always a 400: one object with a boolean label breaks every typed client.
 */
export function enforceSchema(obj: KObject, apiVersion: string, kind: string, mode: FieldValidation, rawJSON?: Buffer): string[] {
  const { unknownFields, typeErrors } = checkFields(obj, apiVersion, kind);
  if (typeErrors.length) {
    const e = typeErrors[0];
    throw new BadRequestError(e.detail ?? `${e.field}: invalid type`, typeErrors.map((t) => ({ reason: "FieldValueTypeInvalid", message: t.detail, field: t.field })));
  }
  const msgs = unknownFields.map((f) => `unknown field "${f.replace(/^\./, "")}"`);
  if (rawJSON && mode !== "Ignore" && !noDuplicates.has(obj)) msgs.push(...duplicateFields(rawJSON.toString("utf8")).map((f) => `duplicate field "${f}"`));
  if (msgs.length && mode === "Strict") throw new BadRequestError(`strict decoding error: ${msgs.join(", ")}`);
  pruneUnknownFields(obj, apiVersion, kind);
  return mode === "Warn" ? msgs : [];
}
