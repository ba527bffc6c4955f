/**
 * JSON patch (RFC 6902), used by `kubectl rollout undo`.
 *
 * Error mapping follows kube-apiserver (handlers/patch.go): a body that cannot be decoded as a
 * list of operations is 400 BadRequest; an operation that fails while being applied (missing
 * path, failed `test`, bad index) is 422 with reason Invalid, the generic message "the server
 * rejected our request due to an error in our request", and the patch library's own text as a
 * cause of type UnexpectedServerResponse (kubernetes/kubernetes#79210 shows that reply).
 */
import { ApiError, BadRequestError } from "@kates/api";
import { clone, deepEqual, isObject } from "./json-utils.js";

type Op = "add" | "remove" | "replace" | "move" | "copy" | "test";
const OPS: ReadonlySet<string> = new Set<Op>(["add", "remove", "replace", "move", "copy", "test"]);

interface Operation {
  op: Op;
  path: string;
  from?: string;
  value?: unknown;
}

/** Applies an RFC 6902 patch to a copy of target; throws BadRequestError or a 422 ApiError. */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = decode(ops);
  let doc = clone(target);
  for (const op of operations) doc = applyOne(doc, op);
  return doc;
}

/** 422 Invalid, shaped as kube-apiserver's NewGenericServerResponse for a failed JSON patch. */
export class JsonPatchFailedError extends ApiError {
  constructor(why: string) {
    super(422, "Invalid", "the server rejected our request due to an error in our request", {
      causes: [{ reason: "UnexpectedServerResponse", message: why }],
    });
  }
}

function decode(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw new BadRequestError("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw new BadRequestError(`json patch operation ${i} is not an object`);
    const { op, path, from } = raw;
    if (typeof op !== "string" || !OPS.has(op)) throw new BadRequestError(`Unexpected kind: ${String(op)}`);
    if (typeof path !== "string") throw new BadRequestError(`json patch operation ${i} (${op}) is missing "path"`);
    if ((op === "move" || op === "copy") && typeof from !== "string") {
      throw new BadRequestError(`json patch operation ${i} (${op}) is missing "from"`);
    }
    if ((op === "add" || op === "replace" || op === "test") && !Object.hasOwn(raw, "value")) {
      throw new BadRequestError(`json patch operation ${i} (${op}) is missing "value"`);
    }
    return { op: op as Op, path, from: from as string | undefined, value: raw.value };
  });
}

/** Splits an RFC 6901 pointer into unescaped tokens; "" is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new JsonPatchFailedError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`);
  return pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function applyOne(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case "add":
      return add(doc, op.path, clone(op.value), op.op);
    case "remove":
      return remove(doc, op.path, op.op).doc;
    case "replace": {
      get(doc, op.path, op.op); // the target must exist
      return add(remove(doc, op.path, op.op).doc, op.path, clone(op.value), op.op);
    }
    case "move": {
      const from = op.from as string;
      if (op.path.startsWith(`${from}/`)) throw new JsonPatchFailedError(`move operation does not apply: "${from}" is a prefix of "${op.path}"`);
      const { doc: rest, value } = remove(doc, from, op.op);
      return add(rest, op.path, value, op.op);
    }
    case "copy":
      return add(doc, op.path, clone(get(doc, op.from as string, op.op)), op.op);
    case "test":
      if (!deepEqual(get(doc, op.path, op.op), op.value)) throw new JsonPatchFailedError(`testing value ${op.path} failed: test failed`);
      return doc;
  }
}

function missing(op: string, pointer: string): JsonPatchFailedError {
  return new JsonPatchFailedError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}`);
}

/** Resolves an array index token; `allowEnd` admits `-` and length (insertion points for add). */
function arrayIndex(arr: unknown[], token: string, allowEnd: boolean, op: string, pointer: string): number {
  if (token === "-" && allowEnd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchFailedError(`${op} operation does not apply: invalid array index ${JSON.stringify(token)} in ${pointer}`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new JsonPatchFailedError(`${op} operation does not apply: index ${i} out of bounds in ${pointer}`);
  return i;
}

function get(doc: unknown, pointer: string, op: string): unknown {
  let cur = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, token, false, op, pointer)];
    else if (isObject(cur) && Object.hasOwn(cur, token)) cur = cur[token];
    else throw missing(op, pointer);
  }
  return cur;
}

/** The container holding the last token of pointer, and that token. */
function parentOf(doc: unknown, pointer: string, op: string): { parent: unknown; last: string } {
  const tokens = parsePointer(pointer);
  const last = tokens.pop() as string;
  const prefix = tokens.map((t) => `/${t.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
  try {
    return { parent: get(doc, prefix, op), last };
  } catch (e) {
    if (e instanceof JsonPatchFailedError) throw missing(op, pointer);
    throw e;
  }
}

function add(doc: unknown, pointer: string, value: unknown, op: string): unknown {
  if (pointer === "") return value;
  const { parent, last } = parentOf(doc, pointer, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, op, pointer), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw missing(op, pointer);
  return doc;
}

function remove(doc: unknown, pointer: string, op: string): { doc: unknown; value: unknown } {
  if (pointer === "") return { doc: null, value: doc };
  const { parent, last } = parentOf(doc, pointer, op);
  if (Array.isArray(parent)) {
    const [value] = parent.splice(arrayIndex(parent, last, false, op, pointer), 1);
    return { doc, value };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last];
    delete parent[last];
    return { doc, value };
  }
  throw missing(op, pointer);
}
