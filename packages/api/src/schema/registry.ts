/**
 * Resolves the DSL packages into linked MessageSchemas, once, and looks kinds up by
 * apiVersion and kind. A typo in a type expression throws on first use, so the unit
 * tests catch it.
 */
import { parseType, type FieldSchema, type MessageSchema, type PackageDef, type Special } from "./dsl.js";
import { metaV1 } from "./meta-v1.js";
import { coreV1 } from "./core-v1.js";
import { appsV1 } from "./apps-v1.js";
import { batchV1 } from "./batch-v1.js";
import { autoscalingV1, coordinationV1, discoveryV1, policyV1 } from "./misc-v1.js";

/** Every schema package kates knows, meta/v1 first. */
export const SCHEMA_PACKAGES: readonly PackageDef[] = [metaV1, coreV1, appsV1, batchV1, coordinationV1, discoveryV1, autoscalingV1, policyV1];

/** OpenAPI names of the special types (all but `any`, which has no schema). */
export const SPECIAL_SCHEMA_NAMES: Readonly<Record<Exclude<Special, "any">, string>> = {
  IntOrString: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  Quantity: "io.k8s.apimachinery.pkg.api.resource.Quantity",
  Time: "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
  MicroTime: "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
  RawExtension: "io.k8s.apimachinery.pkg.runtime.RawExtension",
  FieldsV1: "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
};

let built: Map<string, MessageSchema> | undefined;

function byAlias(alias: string): PackageDef {
  const p = SCHEMA_PACKAGES.find((x) => x.alias === alias);
  if (!p) throw new Error(`schema: unknown package alias ${alias}`);
  return p;
}

function resolver(pkg: PackageDef): (name: string) => string {
  return (name) => {
    const dot = name.indexOf(".");
    if (dot > 0) {
      const p = byAlias(name.slice(0, dot));
      const short = name.slice(dot + 1);
      if (!p.messages[short]) throw new Error(`schema: ${name} is not declared`);
      return `${p.openapiPrefix}.${short}`;
    }
    for (const p of [pkg, metaV1, coreV1]) if (p.messages[name]) return `${p.openapiPrefix}.${name}`;
    throw new Error(`schema: message ${name} (used in ${pkg.alias}) is not declared`);
  };
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function build(): Map<string, MessageSchema> {
  const out = new Map<string, MessageSchema>();
  const declaredBy = new Map<string, FieldSchema[]>();
  for (const pkg of SCHEMA_PACKAGES) {
    const resolve = resolver(pkg);
    for (const [short, def] of Object.entries(pkg.messages)) {
      const declared: FieldSchema[] = Object.entries(def.fields).map(([json, [num, expr, description]]) => ({ json, num, description, ...parseType(expr, resolve) }));
      const name = `${pkg.openapiPrefix}.${short}`;
      declaredBy.set(name, declared);
      const gvk = pkg.apiVersion && pkg.kinds.includes(short) ? { ...groupVersion(pkg.apiVersion), kind: short } : undefined;
      out.set(name, { name, goName: short, description: def.description, declared, fields: new Map(), byNumber: new Map(declared.map((f) => [f.num, f])), gvk });
    }
  }
  // Second pass: flatten inline members now that every message exists.
  const flatten = (name: string, into: Map<string, FieldSchema>): void => {
    for (const f of declaredBy.get(name) ?? []) {
      if (f.inline && f.type.kind === "message") flatten(f.type.ref, into);
      else into.set(f.json, f);
    }
  };
  for (const [name, schema] of out) flatten(name, schema.fields as Map<string, FieldSchema>);
  return out;
}

/** All resolved messages by OpenAPI name. */
export function allMessageSchemas(): ReadonlyMap<string, MessageSchema> {
  return (built ??= build());
}

/** One message by OpenAPI name, e.g. "io.k8s.api.core.v1.PodSpec". */
export function messageSchema(name: string): MessageSchema {
  const m = allMessageSchemas().get(name);
  if (!m) throw new Error(`schema: no message ${name}`);
  return m;
}

/**
 * The root schema of a kind, e.g. `schemaForKind("apps/v1", "Deployment")`, or undefined
 * when kates has no schema for it. DeleteOptions resolves under any apiVersion, as
 * Kubernetes registers it in every group.
 */
export function schemaForKind(apiVersion: string, kind: string): MessageSchema | undefined {
  const pkg = SCHEMA_PACKAGES.find((p) => p.apiVersion === apiVersion && p.kinds.includes(kind));
  if (pkg) return messageSchema(`${pkg.openapiPrefix}.${kind}`);
  if (metaV1.kinds.includes(kind)) return messageSchema(`${metaV1.openapiPrefix}.${kind}`);
  return undefined;
}

/** The package serving an apiVersion ("v1", "apps/v1"), if any. */
export function packageForApiVersion(apiVersion: string): PackageDef | undefined {
  return SCHEMA_PACKAGES.find((p) => p.apiVersion === apiVersion);
}
