/**
 * Checks a JSON object against its kind's schema the way the apiserver's decoder does:
 * unknown fields (for fieldValidation=Strict/Warn, and pruned in every mode) and JSON type
 * mismatches (always a 400, with Go's encoding/json wording, since kubectl prints it).
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { FieldSchema, FieldType, MessageSchema } from "./dsl.js";
import { messageSchema, schemaForKind } from "./registry.js";

/** What checkFields found. */
export interface FieldCheckResult {
  /** Paths like `spec.replicass` or `spec.template.spec.containers[0].imagee`, as Kubernetes prints them. */
  unknownFields: string[];
  /** One per mismatch; `detail` holds Go's `json: cannot unmarshal ...` text. */
  typeErrors: FieldError[];
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] } as const;

interface Walk {
  prune: boolean;
  unknown: string[];
  typeErrors: FieldError[];
}

/** Where a value sits: the display path, Go's dotted path, and the Go struct holding the field. */
interface Pos {
  path: string;
  goPath: string;
  struct: string;
}

/** Go's spelling of a field type, used in `of type ...`. */
export function goTypeName(t: FieldType): string {
  switch (t.kind) {
    case "scalar": return t.scalar === "double" ? "float64" : t.scalar === "bytes" ? "[]uint8" : t.scalar;
    case "list": return `[]${goTypeName(t.of)}`;
    case "map": return `map[string]${goTypeName(t.of)}`;
    case "message": return `v1.${t.ref.slice(t.ref.lastIndexOf(".") + 1)}`;
    case "special":
      return t.special === "IntOrString" ? "intstr.IntOrString" : t.special === "Quantity" ? "resource.Quantity" : t.special === "RawExtension" ? "runtime.RawExtension" : `v1.${t.special}`;
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

function typeError(w: Walk, pos: Pos, value: unknown, t: FieldType, got = jsonKind(value)): void {
  const where = pos.goPath ? `Go struct field ${pos.struct}.${pos.goPath}` : `Go value`;
  w.typeErrors.push(fieldErrors.typeInvalid(pos.path || "<root>", value, `json: cannot unmarshal ${got} into ${where} of type ${goTypeName(t)}`));
}

function walkValue(w: Walk, v: unknown, t: FieldType, pos: Pos): void {
  if (v === null || v === undefined) return;
  switch (t.kind) {
    case "scalar": {
      const s = t.scalar;
      if (s === "string" || s === "bytes") {
        if (typeof v !== "string") return typeError(w, pos, v, t);
        if (s === "bytes" && !BASE64.test(v)) w.typeErrors.push(fieldErrors.typeInvalid(pos.path, v, "illegal base64 data"));
      } else if (s === "bool") {
        if (typeof v !== "boolean") typeError(w, pos, v, t);
      } else if (typeof v !== "number") {
        typeError(w, pos, v, t);
      } else if (s !== "double" && (!Number.isInteger(v) || v < INT_RANGE[s][0] || v > INT_RANGE[s][1])) {
        typeError(w, pos, v, t, `number ${v}`);
      }
      return;
    }
    case "list":
      if (!Array.isArray(v)) return typeError(w, pos, v, t);
      v.forEach((item, i) => walkValue(w, item, t.of, { ...pos, path: `${pos.path}[${i}]` }));
      return;
    case "map":
      if (typeof v !== "object" || Array.isArray(v)) return typeError(w, pos, v, t);
      for (const [k, item] of Object.entries(v)) walkValue(w, item, t.of, { ...pos, path: `${pos.path}[${k}]` });
      return;
    case "message":
      if (typeof v !== "object" || Array.isArray(v)) return typeError(w, pos, v, t);
      walkMessage(w, v as Record<string, unknown>, messageSchema(t.ref), pos, false);
      return;
    case "special":
      return walkSpecial(w, v, t, pos);
  }
}

function walkSpecial(w: Walk, v: unknown, t: Extract<FieldType, { kind: "special" }>, pos: Pos): void {
  switch (t.special) {
    case "IntOrString":
      if (typeof v === "string") return;
      if (typeof v !== "number") return typeError(w, pos, v, t);
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31) typeError(w, pos, v, { kind: "scalar", scalar: "int32" }, `number ${v}`);
      return;
    case "Quantity":
      if (typeof v === "number") return;
      if (typeof v !== "string") return typeError(w, pos, v, t);
      if (!QUANTITY.test(v)) w.typeErrors.push(fieldErrors.typeInvalid(pos.path, v, `quantities must match the regular expression '${QUANTITY.source}'`));
      return;
    case "Time":
    case "MicroTime":
      if (typeof v !== "string") return typeError(w, pos, v, t);
      if (!RFC3339.test(v)) w.typeErrors.push(fieldErrors.typeInvalid(pos.path, v, `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`));
      return;
    default:
      return; // RawExtension, FieldsV1 and unmodelled structures take any JSON.
  }
}

function walkMessage(w: Walk, obj: Record<string, unknown>, m: MessageSchema, pos: Pos, root: boolean): void {
  for (const key of Object.keys(obj)) {
    const path = pos.path ? `${pos.path}.${key}` : key;
    const f: FieldSchema | undefined = m.fields.get(key);
    if (!f) {
      if (root && (key === "apiVersion" || key === "kind")) {
        if (typeof obj[key] !== "string" && obj[key] != null) typeError(w, { path, goPath: key, struct: m.goName }, obj[key], { kind: "scalar", scalar: "string" });
        continue;
      }
      w.unknown.push(path);
      if (w.prune) delete obj[key];
      continue;
    }
    walkValue(w, obj[key], f.type, { path, goPath: pos.goPath ? `${pos.goPath}.${key}` : key, struct: m.goName });
  }
}

function run(obj: unknown, apiVersion: string, kind: string, prune: boolean): Walk {
  const w: Walk = { prune, unknown: [], typeErrors: [] };
  const m = schemaForKind(apiVersion, kind);
  if (!m) return w;
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    typeError(w, { path: "", goPath: "", struct: m.goName }, obj, { kind: "message", ref: m.name });
    return w;
  }
  walkMessage(w, obj as Record<string, unknown>, m, { path: "", goPath: "", struct: m.goName }, true);
  return w;
}

/**
 * Walks a JSON object against the schema of apiVersion/kind without changing it.
 * Kinds without a schema pass unchecked.
 * @example checkFields({ spec: { replicass: 1 } }, "apps/v1", "Deployment").unknownFields // ["spec.replicass"]
 */
export function checkFields(obj: unknown, apiVersion: string, kind: string): FieldCheckResult {
  const w = run(obj, apiVersion, kind, false);
  return { unknownFields: w.unknown, typeErrors: w.typeErrors };
}

/** Deletes unknown fields in place, as Kubernetes never stores them, and returns their paths. */
export function pruneUnknownFields(obj: unknown, apiVersion: string, kind: string): string[] {
  return run(obj, apiVersion, kind, true).unknown;
}

/** `strict decoding error: unknown field "a", unknown field "b"`: the 400 message for fieldValidation=Strict. */
export function strictDecodingMessage(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFields.map((p) => `unknown field ${JSON.stringify(p)}`).join(", ")}`;
}

/** `Deployment in version "v1" cannot be handled as a Deployment: json: ...`: the 400 message for a type error. */
export function typeErrorMessage(kind: string, version: string, err: FieldError): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${err.detail ?? ""}`;
}
