/**
 * Label and field selectors: the `?labelSelector=` / `?fieldSelector=` string forms
 * (`app=web,tier in (a,b),!canary`), metav1.LabelSelector objects, and matching.
 *
 * Semantics follow k8s.io/apimachinery/pkg/labels: `!=` and `notin` also match objects
 * without the key; an empty selector matches everything; a missing (null) selector object
 * matches nothing.
 */
import { BadRequestError } from "./errors.js";
import type { KObject, LabelSelector } from "./meta.js";
import { labelValueErrors, qualifiedNameErrors } from "./validation/names.js";

export type LabelOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Equals" | "DoubleEquals" | "NotEquals" | "GreaterThan" | "LessThan";

/** One parsed label requirement; `values` is sorted. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A compiled label selector. */
export interface LabelMatcher {
  /** True when the labels satisfy every requirement. */
  matches(labels: Record<string, string> | undefined | null): boolean;
  /** True when there are no requirements (matches everything, unless `nothing`). */
  empty: boolean;
  /** True for the selector that matches no object (a null selector object). */
  nothing: boolean;
  requirements: readonly LabelRequirement[];
  /** The canonical string form, keys sorted (`a=b,c in (x,y)`); "" when empty. */
  toString(): string;
}

function matchRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case "In":
    case "Equals":
    case "DoubleEquals":
      return has && r.values.includes(v);
    case "NotIn":
    case "NotEquals":
      return !has || !r.values.includes(v);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "GreaterThan":
    case "LessThan": {
      if (!has || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.operator === "GreaterThan" ? n > bound : n < bound;
    }
  }
}

function requirementToString(r: LabelRequirement): string {
  switch (r.operator) {
    case "Exists": return r.key;
    case "DoesNotExist": return `!${r.key}`;
    case "Equals": return `${r.key}=${r.values[0]}`;
    case "DoubleEquals": return `${r.key}==${r.values[0]}`;
    case "NotEquals": return `${r.key}!=${r.values[0]}`;
    case "GreaterThan": return `${r.key}>${r.values[0]}`;
    case "LessThan": return `${r.key}<${r.values[0]}`;
    case "In": return `${r.key} in (${r.values.join(",")})`;
    case "NotIn": return `${r.key} notin (${r.values.join(",")})`;
  }
}

function makeMatcher(reqs: LabelRequirement[], nothing = false): LabelMatcher {
  // A stable sort by key gives the canonical order Kubernetes prints.
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    nothing,
    matches: (labels) => !nothing && sorted.every((r) => matchRequirement(r, labels ?? {})),
    toString: () => sorted.map(requirementToString).join(","),
  };
}

/** The selector that matches every object. */
export const everythingSelector = (): LabelMatcher => makeMatcher([]);
/** The selector that matches no object. */
export const nothingSelector = (): LabelMatcher => makeMatcher([], true);

/** Builds one requirement, checking key and values as Kubernetes does; throws a message on error. */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) throw new Error(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join("; ")}`);
  if ((operator === "In" || operator === "NotIn") && values.length === 0) throw new Error("for 'in', 'notin' operators, values set can't be empty");
  if ((operator === "GreaterThan" || operator === "LessThan") && (values.length !== 1 || !/^-?\d+$/.test(values[0]))) {
    throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  for (const v of values) {
    const errs = labelValueErrors(v);
    if (errs.length) throw new Error(`values[0][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join("; ")}`);
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

type Token = { kind: "id" | "op" | "(" | ")" | ","; text: string };

const OPERATOR_CHARS = new Set(["=", "!", "<", ">"]);
const SPECIAL = new Set(["=", "!", "<", ">", "(", ")", ","]);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "(" || c === ")" || c === ",") { out.push({ kind: c, text: c }); i++; continue; }
    if (OPERATOR_CHARS.has(c)) {
      let j = i;
      while (j < s.length && OPERATOR_CHARS.has(s[j])) j++;
      out.push({ kind: "op", text: s.slice(i, j) });
      i = j;
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]) && !/\s/.test(s[j])) j++;
    out.push({ kind: "id", text: s.slice(i, j) });
    i = j;
  }
  return out;
}

/**
 * Parses the string form used in URLs (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
 * @throws BadRequestError naming the problem, e.g. `unable to parse requirement: ...`.
 * @example parseLabelSelector("app=web,tier in (fe,be)").matches({ app: "web", tier: "fe" }) // true
 */
export function parseLabelSelector(s: string): LabelMatcher {
  const toks = lex(s);
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new BadRequestError(`unable to parse requirement: ${msg}`);
  };
  const expectId = (what: string): string => {
    const t = toks[i++];
    if (!t || t.kind !== "id") fail(`found '${t?.text ?? ""}', expected: ${what}`);
    return t.text;
  };
  while (i < toks.length) {
    let req: LabelRequirement | undefined;
    try {
      if (toks[i].kind === "op" && toks[i].text === "!") {
        i++;
        req = newRequirement(expectId("identifier after '!'"), "DoesNotExist", []);
      } else {
        const key = expectId("identifier");
        const t = toks[i];
        if (!t || t.kind === ",") req = newRequirement(key, "Exists", []);
        else if (t.kind === "id" && (t.text === "in" || t.text === "notin")) {
          i++;
          if (toks[i]?.kind !== "(") fail(`found '${toks[i]?.text ?? ""}', expected: '('`);
          i++;
          const values: string[] = [];
          if (toks[i]?.kind === ")") i++;
          else {
            // A missing item (`in (a,,b)`, `in (a,)`) stands for the empty value.
            for (;;) {
              values.push(toks[i]?.kind === "id" ? toks[i++].text : "");
              const sep = toks[i++];
              if (sep?.kind === ")") break;
              if (sep?.kind !== ",") fail(`found '${sep?.text ?? ""}', expected: ',' or ')'`);
            }
          }
          req = newRequirement(key, t.text === "in" ? "In" : "NotIn", values);
        } else if (t.kind === "op") {
          const ops: Record<string, LabelOperator> = { "=": "Equals", "==": "DoubleEquals", "!=": "NotEquals", ">": "GreaterThan", "<": "LessThan" };
          const op = ops[t.text];
          if (!op) fail(`found '${t.text}', expected: '=', '!=', '==', 'in', notin'`);
          i++;
          // A missing value (`a=` at the end or before a comma) means the empty string.
          const value = toks[i]?.kind === "id" ? toks[i++].text : "";
          if (toks[i] && toks[i].kind !== ",") fail(`found '${toks[i].text}', expected: ',' or 'end of string'`);
          req = newRequirement(key, op, [value]);
        } else fail(`found '${t.text}', expected: '=', '!=', '==', 'in', notin'`);
      }
    } catch (e) {
      if (e instanceof BadRequestError) throw e;
      fail((e as Error).message);
    }
    reqs.push(req!);
    if (i < toks.length) {
      if (toks[i].kind !== ",") fail(`found '${toks[i].text}', expected: ',' or 'end of string'`);
      i++;
      if (i >= toks.length) fail("found '', expected: identifier after ','");
    }
  }
  return makeMatcher(reqs);
}

/**
 * Compiles a metav1.LabelSelector. `{}` (no matchLabels, no matchExpressions) matches every
 * object; `null`/`undefined` matches none, as Kubernetes treats a missing workload selector.
 * @throws BadRequestError for an unknown operator or malformed key/values.
 */
export function labelSelectorFromObject(sel: LabelSelector | null | undefined): LabelMatcher {
  if (sel === null || sel === undefined) return nothingSelector();
  const reqs: LabelRequirement[] = [];
  const ops: Record<string, LabelOperator> = { In: "In", NotIn: "NotIn", Exists: "Exists", DoesNotExist: "DoesNotExist" };
  try {
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(newRequirement(k, "Equals", [v]));
    for (const e of sel.matchExpressions ?? []) {
      const op = ops[e.operator];
      if (!op) throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, op === "Exists" || op === "DoesNotExist" ? [] : e.values ?? []));
    }
  } catch (e) {
    throw new BadRequestError((e as Error).message);
  }
  return makeMatcher(reqs);
}

/** Compiles a plain map selector (Service, ReplicationController): every pair must be equal; `{}` matches everything. */
export function labelSelectorFromMap(map: Record<string, string> | null | undefined): LabelMatcher {
  return makeMatcher(Object.entries(map ?? {}).map(([k, v]) => ({ key: k, operator: "Equals" as const, values: [v] })));
}

/** The string form of a selector object, as Scale's status.selector and `?labelSelector=` carry it; "" for empty or null. */
export function labelSelectorToString(sel: LabelSelector | null | undefined): string {
  return labelSelectorFromObject(sel).toString();
}

/** The form `kubectl describe` prints (metav1.FormatLabelSelector): `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  let s: string;
  try {
    s = labelSelectorToString(sel);
  } catch {
    return "<error>";
  }
  return s || "<none>";
}

export { parseFieldSelector, fieldMatcher, fieldValue, matchesFieldSelector, fieldSelectorToString } from "./selectors-field.js";
export type { FieldRequirement } from "./selectors-field.js";
