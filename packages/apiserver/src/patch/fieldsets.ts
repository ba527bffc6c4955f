/**
 * Field sets: which fields of an object a manager owns, as server-side apply tracks them.
 *
 * A path is a list of FieldsV1 elements: `f:<field>` for a map field, `k:{"name":"nginx"}` for
 * an item of a keyed list, `v:<json>` for a value of a set list. Sets round-trip through the
 * FieldsV1 tree kept in metadata.managedFields, where `".": {}` marks a node that is itself a
 * member and also has members below it.
 */
import { clone, deepEqual, isObject, type JsonObject } from "./json-utils.js";
import { fieldStrategy } from "./merge-keys.js";

/** One step of a field path, in FieldsV1 notation. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

const SEP = "\u0000";

/** A set of field paths. */
export class FieldSet implements Iterable<FieldPath> {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  get size(): number {
    return this.members.size;
  }

  add(path: FieldPath): void {
    this.members.set(path.join(SEP), path);
  }

  has(path: FieldPath): boolean {
    return this.members.has(path.join(SEP));
  }

  /** Removes path; true if it was a member. */
  delete(path: FieldPath): boolean {
    return this.members.delete(path.join(SEP));
  }

  /** True if path or any path below it is a member. */
  hasAtOrBelow(path: FieldPath): boolean {
    const prefix = path.join(SEP);
    for (const key of this.members.keys()) if (key === prefix || key.startsWith(prefix + SEP)) return true;
    return false;
  }

  [Symbol.iterator](): Iterator<FieldPath> {
    return this.members.values();
  }

  /** The FieldsV1 tree of this set. */
  toFieldsV1(): JsonObject {
    interface Node { member: boolean; children: Map<string, Node> }
    const root: Node = { member: false, children: new Map() };
    for (const path of this) {
      let node = root;
      for (const el of path) {
        let next = node.children.get(el);
        if (!next) node.children.set(el, (next = { member: false, children: new Map() }));
        node = next;
      }
      node.member = true;
    }
    const render = (node: Node): JsonObject => {
      const out: JsonObject = {};
      if (node.member && node.children.size > 0) out["."] = {};
      for (const key of [...node.children.keys()].sort()) out[key] = render(node.children.get(key) as Node);
      return out;
    };
    return render(root);
  }

  /** Parses a FieldsV1 tree; malformed parts are ignored. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    const visit = (node: unknown, path: PathElement[]) => {
      if (!isObject(node)) return;
      for (const [key, child] of Object.entries(node)) {
        if (key === ".") set.add(path);
        else if (isObject(child) && Object.keys(child).length === 0) set.add([...path, key]);
        else visit(child, [...path, key]);
      }
    };
    visit(tree, []);
    return set;
  }
}

/** Metadata fields that identify or are maintained by the server, never owned by a manager. */
export const UNOWNED_METADATA: ReadonlySet<string> = new Set([
  "name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
]);

/** Which part of an object a write covers: the main resource, or the status subresource. */
export type FieldScope = "main" | "status";

/** `leaves`: the fields a writer of obj sets (what it would own); `all`: every node present. */
export interface ObjectFields {
  leaves: FieldSet;
  all: FieldSet;
}

/** Field sets of obj within scope; list and map strategies come from the merge-key table for kind. */
export function fieldsOf(obj: unknown, kind: string, scope: FieldScope): ObjectFields {
  const out: ObjectFields = { leaves: new FieldSet(), all: new FieldSet() };
  if (!isObject(obj)) return out;
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind") continue;
    if ((key === "status") !== (scope === "status")) continue;
    if (key === "metadata" && isObject(value)) {
      for (const [mk, mv] of Object.entries(value)) {
        if (!UNOWNED_METADATA.has(mk)) walk(mv, [`f:metadata`, `f:${mk}`], ["metadata", mk], kind, out);
      }
      continue;
    }
    walk(value, [`f:${key}`], [key], kind, out);
  }
  return out;
}

function walk(value: unknown, path: PathElement[], names: string[], kind: string, out: ObjectFields): void {
  out.all.add(path);
  const strategy = fieldStrategy(names, kind);
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (strategy?.type === "atomic" || entries.length === 0) out.leaves.add(path);
    else for (const [k, v] of entries) walk(v, [...path, `f:${k}`], [...names, k], kind, out);
    return;
  }
  if (!Array.isArray(value) || value.length === 0 || (strategy?.type !== "map" && strategy?.type !== "set")) {
    out.leaves.add(path);
    return;
  }
  for (const item of value) {
    if (strategy.type === "set") {
      const p = [...path, valueElement(item)];
      out.leaves.add(p);
      out.all.add(p);
      continue;
    }
    // Items without their key cannot be addressed; validation rejects them elsewhere.
    if (!isObject(item) || item[strategy.key] === undefined) continue;
    const p = [...path, keyElement(strategy.key, item[strategy.key])];
    out.leaves.add(p);
    out.all.add(p);
    for (const [k, v] of Object.entries(item)) walk(v, [...p, `f:${k}`], [...names, k], kind, out);
  }
}

/** `k:{"name":"nginx"}`: the element naming the item of a keyed list whose key field has value. */
export function keyElement(key: string, value: unknown): PathElement {
  return `k:${JSON.stringify({ [key]: value })}`;
}

/** `v:"x"`: the element naming a value of a set list. */
export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** Finds, in a list, the index of the item a `k:` or `v:` element names; -1 if absent. */
function indexOf(list: unknown[], el: PathElement): number {
  const body = JSON.parse(el.slice(2)) as unknown;
  if (el.startsWith("v:")) return list.findIndex((x) => deepEqual(x, body));
  const keys = Object.entries(body as JsonObject);
  return list.findIndex((x) => isObject(x) && keys.every(([k, v]) => deepEqual(x[k], v)));
}

function step(container: unknown, el: PathElement): unknown {
  if (el.startsWith("f:")) return isObject(container) ? container[el.slice(2)] : undefined;
  if (!Array.isArray(container)) return undefined;
  if (el.startsWith("i:")) return container[Number(el.slice(2))];
  const i = indexOf(container, el);
  return i >= 0 ? container[i] : undefined;
}

/** The value at path in obj, or undefined. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const el of path) {
    cur = step(cur, el);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field or item at path from obj (in place); no-op if it is absent. */
export function deleteAt(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last.startsWith("f:")) {
    if (isObject(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const i = last.startsWith("i:") ? Number(last.slice(2)) : indexOf(parent, last);
    if (i >= 0 && i < parent.length) parent.splice(i, 1);
  }
}

/** `.spec.template.spec.containers[name="nginx"].image`: a path as Kubernetes prints it in conflicts. */
export function pathString(path: FieldPath): string {
  return path.map((el) => {
    const body = el.slice(2);
    if (el.startsWith("f:")) return `.${body}`;
    if (el.startsWith("i:")) return `[${body}]`;
    if (el.startsWith("v:")) return `[=${body}]`;
    const keys = Object.entries(JSON.parse(body) as JsonObject).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return `[${keys.join(",")}]`;
  }).join("");
}

/** A deep copy of value with every null-valued map key removed. */
export function withoutNulls<T>(value: T): T {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isObject(v)) return v;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = strip(x);
    return out;
  };
  return strip(clone(value)) as T;
}
