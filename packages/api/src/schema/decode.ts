/**
 * Decodes `application/vnd.kubernetes.protobuf` request bodies (what kubectl 1.32's
 * `create <generator>` sends) into the JSON object the apiserver stores.
 *
 * Go writes every non-pointer field, so a raw decode is full of "", 0, false and empty
 * structs. The output is normalised the way Go's JSON `omitempty` would render the same
 * struct: zero scalars and empty structs are dropped unless the Go field is a pointer
 * (`*int32` replicas: 0 and `*EmptyDirVolumeSource` emptyDir: {} stay), empty Times mean
 * unset, and the root `status` is discarded because a create never sets it.
 */
import { BadRequestError } from "../errors.js";
import type { FieldSchema, FieldType, MessageSchema } from "./dsl.js";
import { ProtoReader, readFields, WIRE } from "./proto-reader.js";
import { messageSchema, schemaForKind } from "./registry.js";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const utf8 = new TextDecoder("utf-8", { fatal: true });

type Raw = { wire: number; value: bigint | Uint8Array | number };

/** Sentinel for "no value": the field is left out of the JSON object. */
const UNSET = Symbol("unset");

function str(b: Uint8Array): string {
  return utf8.decode(b);
}

function expectWire(raw: Raw, wire: number, what: string): void {
  if (raw.wire !== wire) throw new Error(`${what}: wire type ${raw.wire}, expected ${wire}`);
}

function firstString(fields: Map<number, Raw[]>, num: number): string {
  const r = fields.get(num)?.at(-1);
  if (!r) return "";
  expectWire(r, WIRE.LEN, `field ${num}`);
  return str(r.value as Uint8Array);
}

function firstInt(fields: Map<number, Raw[]>, num: number): bigint {
  const r = fields.get(num)?.at(-1);
  if (!r) return 0n;
  expectWire(r, WIRE.VARINT, `field ${num}`);
  return r.value as bigint;
}

/** RFC3339 like Go's metav1.Time (seconds) or MicroTime (microseconds); empty means unset. */
function decodeTime(b: Uint8Array, micro: boolean): string | typeof UNSET {
  const f = readFields(b);
  const seconds = Number(BigInt.asIntN(64, firstInt(f, 1)));
  const nanos = Number(BigInt.asIntN(32, firstInt(f, 2)));
  if (seconds === 0 && nanos === 0) return UNSET;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${iso}Z`;
}

function decodeSpecial(raw: Raw, special: string): unknown {
  if (special === "any") return UNSET; // unmodelled: kates cannot name its fields
  expectWire(raw, WIRE.LEN, special);
  const b = raw.value as Uint8Array;
  switch (special) {
    case "Time": return decodeTime(b, false);
    case "MicroTime": return decodeTime(b, true);
    case "Quantity": return firstString(readFields(b), 1);
    case "IntOrString": {
      const f = readFields(b);
      return firstInt(f, 1) === 1n ? firstString(f, 3) : Number(BigInt.asIntN(32, firstInt(f, 2)));
    }
    default: { // RawExtension and FieldsV1 both carry JSON bytes in field 1
      const json = readFields(b).get(1)?.at(-1)?.value;
      return json instanceof Uint8Array && json.length ? JSON.parse(str(json)) : UNSET;
    }
  }
}

function decodeScalar(raw: Raw, scalar: string): unknown {
  if (scalar === "double") {
    expectWire(raw, WIRE.FIXED64, scalar);
    return raw.value;
  }
  if (scalar === "string" || scalar === "bytes") {
    expectWire(raw, WIRE.LEN, scalar);
    const b = raw.value as Uint8Array;
    return scalar === "string" ? str(b) : Buffer.from(b).toString("base64");
  }
  expectWire(raw, WIRE.VARINT, scalar);
  const v = raw.value as bigint;
  if (scalar === "bool") return v !== 0n;
  return Number(scalar === "int32" ? BigInt.asIntN(32, v) : BigInt.asIntN(64, v));
}

/** Decodes one (non-list) value of type t. */
function decodeOne(raw: Raw, t: FieldType): unknown {
  switch (t.kind) {
    case "scalar": return decodeScalar(raw, t.scalar);
    case "special": return decodeSpecial(raw, t.special);
    case "message":
      expectWire(raw, WIRE.LEN, t.ref);
      return decodeMessage(raw.value as Uint8Array, messageSchema(t.ref));
    default: throw new Error("nested list or map");
  }
}

/** Repeated varints may arrive packed in one length-delimited field. */
function unpack(raws: Raw[], of: FieldType): Raw[] {
  if (of.kind !== "scalar" || of.scalar === "string" || of.scalar === "bytes") return raws;
  const out: Raw[] = [];
  for (const r of raws) {
    if (r.wire !== WIRE.LEN) {
      out.push(r);
      continue;
    }
    const packed = new ProtoReader(r.value as Uint8Array);
    while (!packed.done) out.push({ wire: WIRE.VARINT, value: packed.varint() });
  }
  return out;
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false || (typeof v === "object" && v !== null && Object.keys(v).length === 0);
}

function decodeField(f: FieldSchema, raws: Raw[]): unknown {
  const t = f.type;
  if (t.kind === "list") {
    const items = unpack(raws, t.of).map((r) => decodeOne(r, t.of)).filter((v) => v !== UNSET);
    return items.length ? items : UNSET;
  }
  if (t.kind === "map") {
    const out: Record<string, unknown> = {};
    for (const r of raws) {
      expectWire(r, WIRE.LEN, `map ${f.json}`);
      const entry = readFields(r.value as Uint8Array);
      const value = entry.get(2)?.at(-1);
      const decoded = value ? decodeOne(value, t.of) : t.of.kind === "scalar" && t.of.scalar !== "bytes" ? decodeScalarZero(t.of.scalar) : "";
      out[firstString(entry, 1)] = decoded === UNSET ? "" : decoded;
    }
    return Object.keys(out).length ? out : UNSET;
  }
  const v = decodeOne(raws.at(-1)!, t);
  if (v === UNSET) return UNSET;
  return !f.pointer && isZero(v) ? UNSET : v;
}

function decodeScalarZero(s: string): unknown {
  return s === "string" ? "" : s === "bool" ? false : 0;
}

/** Decodes one message's bytes into a JSON object following its schema. */
export function decodeMessage(buf: Uint8Array, m: MessageSchema): Record<string, unknown> {
  const fields = readFields(buf);
  const out: Record<string, unknown> = {};
  for (const f of m.declared) {
    const raws = fields.get(f.num);
    if (!raws) continue;
    const v = decodeField(f, raws);
    if (v === UNSET) continue;
    if (f.inline) Object.assign(out, v as Record<string, unknown>);
    else out[f.json] = v;
  }
  return out;
}

/**
 * Decodes a `k8s\0`-prefixed runtime.Unknown envelope into a JSON object with apiVersion
 * and kind set and `status` dropped. Throws BadRequestError on malformed input or a kind
 * kates has no schema for.
 */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw new BadRequestError("protobuf body does not start with the k8s\\0 magic prefix");
  let apiVersion: string;
  let kind: string;
  let raw: Uint8Array;
  try {
    const env = readFields(body.subarray(4));
    const typeMeta = readFields((env.get(1)?.at(-1)?.value as Uint8Array | undefined) ?? new Uint8Array());
    apiVersion = firstString(typeMeta, 1);
    kind = firstString(typeMeta, 2);
    raw = (env.get(2)?.at(-1)?.value as Uint8Array | undefined) ?? new Uint8Array();
    const encoding = firstString(env, 3);
    if (encoding) throw new Error(`unsupported content encoding ${JSON.stringify(encoding)}`);
  } catch (err) {
    throw new BadRequestError(`unable to decode protobuf envelope: ${(err as Error).message}`);
  }
  const schema = schemaForKind(apiVersion, kind);
  if (!schema) throw new BadRequestError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  let obj: Record<string, unknown>;
  try {
    obj = decodeMessage(raw, schema);
  } catch (err) {
    throw new BadRequestError(`unable to decode ${kind} from protobuf: ${(err as Error).message}`);
  }
  delete obj.status;
  return { apiVersion, kind, ...obj };
}
