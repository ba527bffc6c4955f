/**
 * Field selectors (`?fieldSelector=metadata.name=web,status.phase!=Running`) and the
 * reading of an object's selectable field values. Which fields a resource allows is the
 * apiserver's business (ResourceInfo.fieldSelectors); this module only parses and matches.
 */
import { BadRequestError } from "./errors.js";
import type { KObject } from "./meta.js";

/** One `field=value` or `field!=value` term (`==` is read as `=`). */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

// Backslash escapes `\`, `,` and `=` inside a term, as fields.EscapeValue does.
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = "";
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescape(s: string, whole: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "\\") {
      out += s[i];
      continue;
    }
    const next = s[i + 1];
    if (next !== "\\" && next !== "," && next !== "=") throw new BadRequestError(`invalid field selector: '${whole}': invalid escape sequence`);
    out += next;
    i++;
  }
  return out;
}

/**
 * Parses `a=b,c==d,e!=f`; an empty string gives no requirements (match everything).
 * @throws BadRequestError `invalid selector: '<s>'; can't understand '<term>'`.
 */
export function parseFieldSelector(s: string): FieldRequirement[] {
  if (s.trim() === "") return [];
  const reqs: FieldRequirement[] = [];
  for (const term of splitUnescaped(s, ",")) {
    if (term.trim() === "") continue;
    // Find the first unescaped operator: "!=", then "==", then "=".
    let idx = -1;
    let op = "";
    for (let i = 0; i < term.length; i++) {
      if (term[i] === "\\") { i++; continue; }
      if (term.startsWith("!=", i)) { idx = i; op = "!="; break; }
      if (term.startsWith("==", i)) { idx = i; op = "=="; break; }
      if (term[i] === "=") { idx = i; op = "="; break; }
    }
    const field = idx > 0 ? term.slice(0, idx).trim() : "";
    if (idx < 0 || field === "") throw new BadRequestError(`invalid selector: '${s}'; can't understand '${term}'`);
    reqs.push({ field: unescape(field, s), operator: op === "!=" ? "!=" : "=", value: unescape(term.slice(idx + op.length), s) });
  }
  return reqs;
}

/** True when every requirement holds for the values `getValue` reports (missing counts as ""). */
export function fieldMatcher(reqs: readonly FieldRequirement[], getValue: (path: string) => string | undefined): boolean {
  return reqs.every((r) => ((getValue(r.field) ?? "") === r.value) === (r.operator === "="));
}

/** The canonical string form, with `\`, `,` and `=` escaped in values. */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator}${r.value.replace(/[\\,=]/g, (c) => `\\${c}`)}`).join(",");
}

// Selectable fields whose stored path or zero value differs from the selector name.
const SPECIAL_FIELDS: Record<string, { path: string; zero: string }> = {
  "Job:status.successful": { path: "status.succeeded", zero: "0" },
  "ReplicaSet:status.replicas": { path: "status.replicas", zero: "0" },
  "ReplicationController:status.replicas": { path: "status.replicas", zero: "0" },
  "Node:spec.unschedulable": { path: "spec.unschedulable", zero: "false" },
  "Event:source": { path: "source.component", zero: "" },
  "Event:reportingComponent": { path: "reportingComponent", zero: "" },
};

/**
 * Reads a dotted path such as `metadata.name`, `spec.nodeName` or `involvedObject.uid`.
 * Numbers and booleans are stringified; a missing field, object or list reads as "".
 */
export function fieldValue(obj: KObject, path: string): string {
  const special = SPECIAL_FIELDS[`${obj.kind ?? ""}:${path}`];
  let cur: unknown = obj;
  for (const part of (special?.path ?? path).split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return special?.zero ?? "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  // Events written by newer clients carry reportingController instead of reportingComponent.
  if (path === "reportingComponent" && obj.kind === "Event" && typeof obj.reportingController === "string") return obj.reportingController;
  return special?.zero ?? "";
}

/** True when the object satisfies every field requirement. */
export function matchesFieldSelector(obj: KObject, reqs: readonly FieldRequirement[]): boolean {
  return fieldMatcher(reqs, (p) => fieldValue(obj, p));
}
