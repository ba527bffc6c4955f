/**
 * The schema DSL: each API message is a table of fields, and each field is a tuple
 * `[protobuf number, type expression, one-sentence description]`, keyed by its JSON name.
 *
 * Type expressions read like Go types, because Go's pointer-ness decides wire behaviour:
 * - scalars `string`, `int32`, `int64`, `bool`, `double`, `bytes`; a leading `*` (Go pointer)
 *   means the zero value is meaningful (sent on the wire, kept when decoding), e.g. `*int32` replicas;
 * - `[]T` lists, `map[string]T` maps (keys are always strings);
 * - `IntOrString`, `Quantity`, `Time`, `MicroTime`, `RawExtension`, `FieldsV1`, and `any` for
 *   sub-structures kates does not model (accepted as-is in JSON, skipped in protobuf);
 * - a message name, resolved in the declaring package, then meta/v1, then core/v1; `core.X`
 *   names core/v1 explicitly; `*Msg` keeps an empty message (`emptyDir: {}`) when decoding;
 * - `inline T`: Go embeds T, so its fields appear directly in the parent's JSON.
 */

/** A field tuple: protobuf field number, type expression, description. */
export type FieldDef = readonly [num: number, type: string, description: string];

/** One message: what it is for, and its fields by JSON name. */
export interface MessageDef {
  readonly description: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
}

/** The messages of one Kubernetes API package (e.g. apps/v1). */
export interface PackageDef {
  /** Short alias used in type expressions and by apiVersion lookup, e.g. "apps". */
  readonly alias: string;
  /** apiVersion served from this package ("apps/v1"), or "" when it has no kinds. */
  readonly apiVersion: string;
  /** Prefix of OpenAPI schema names, e.g. "io.k8s.api.apps.v1". */
  readonly openapiPrefix: string;
  /** Message names that are top-level kinds (carry apiVersion/kind and a GVK). */
  readonly kinds: readonly string[];
  readonly messages: Readonly<Record<string, MessageDef>>;
}

/** Declares one message. */
export const msg = (description: string, fields: Record<string, FieldDef>): MessageDef => ({ description, fields });

export type Scalar = "string" | "int32" | "int64" | "bool" | "double" | "bytes";
export type Special = "IntOrString" | "Quantity" | "Time" | "MicroTime" | "RawExtension" | "FieldsV1" | "any";

/** A parsed type expression. Messages are referenced by full OpenAPI name and resolved lazily. */
export type FieldType =
  | { readonly kind: "scalar"; readonly scalar: Scalar }
  | { readonly kind: "special"; readonly special: Special }
  | { readonly kind: "list"; readonly of: FieldType }
  | { readonly kind: "map"; readonly of: FieldType }
  | { readonly kind: "message"; readonly ref: string };

/** A resolved field. */
export interface FieldSchema {
  readonly json: string;
  readonly num: number;
  readonly type: FieldType;
  /** Go pointer: presence matters, so zero values and empty messages are kept when decoding. */
  readonly pointer: boolean;
  /** Go embedded struct: the message's fields are merged into the parent's JSON object. */
  readonly inline: boolean;
  readonly description: string;
}

/** A resolved message. `fields` lists JSON fields with inline members flattened in. */
export interface MessageSchema {
  /** Full OpenAPI name, e.g. "io.k8s.api.apps.v1.Deployment". */
  readonly name: string;
  /** Go type name, e.g. "Deployment" (used in Go-style error messages). */
  readonly goName: string;
  readonly description: string;
  /** Fields as declared (inline fields appear once, unflattened). */
  readonly declared: readonly FieldSchema[];
  /** JSON-visible fields by name, inline members flattened in. */
  readonly fields: ReadonlyMap<string, FieldSchema>;
  readonly byNumber: ReadonlyMap<number, FieldSchema>;
  /** Set on top-level kinds. */
  readonly gvk?: { readonly group: string; readonly version: string; readonly kind: string };
}

const SCALARS = new Set<string>(["string", "int32", "int64", "bool", "double", "bytes"]);
const SPECIALS = new Set<string>(["IntOrString", "Quantity", "Time", "MicroTime", "RawExtension", "FieldsV1", "any"]);

/** Parses a type expression; `resolve` turns a message name into its full OpenAPI name. */
export function parseType(expr: string, resolve: (name: string) => string): { type: FieldType; pointer: boolean; inline: boolean } {
  let e = expr.trim();
  let inline = false;
  let pointer = false;
  if (e.startsWith("inline ")) {
    inline = true;
    e = e.slice(7).trim();
  }
  if (e.startsWith("*")) {
    pointer = true;
    e = e.slice(1);
  }
  return { type: parseBare(e, resolve), pointer, inline };
}

function parseBare(e: string, resolve: (name: string) => string): FieldType {
  if (e.startsWith("[]")) return { kind: "list", of: parseBare(e.slice(2), resolve) };
  if (e.startsWith("map[string]")) return { kind: "map", of: parseBare(e.slice(11), resolve) };
  if (SCALARS.has(e)) return { kind: "scalar", scalar: e as Scalar };
  if (SPECIALS.has(e)) return { kind: "special", special: e as Special };
  return { kind: "message", ref: resolve(e) };
}
