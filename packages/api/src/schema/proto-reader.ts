/**
 * A minimal protobuf wire-format reader: just what decoding Kubernetes objects needs
 * (varints, length-delimited fields, skipping fixed-width ones). Kubernetes' generated.proto
 * uses no zigzag types. Errors are plain Errors; the decoder wraps them in BadRequestError.
 */

/** Protobuf wire types. */
export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/** Reads fields sequentially from one message's bytes. */
export class ProtoReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** True once every byte has been consumed. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Reads a field key. */
  tag(): { num: number; wire: number } {
    const key = this.varint();
    const num = Number(key >> 3n);
    if (num < 1) throw new Error(`invalid field number ${num} at byte ${this.pos}`);
    return { num, wire: Number(key & 7n) };
  }

  /** Reads an unsigned varint of up to 64 bits. */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new Error("varint longer than 10 bytes");
  }

  /** Reads a length-delimited payload without copying. */
  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error(`length ${len} runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** Reads a little-endian double (wire type 1). */
  double(): number {
    if (this.pos + 8 > this.buf.length) throw new Error("truncated fixed64");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** Skips a field's value of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE.VARINT: this.varint(); return;
      case WIRE.FIXED64: this.advance(8); return;
      case WIRE.LEN: this.bytes(); return;
      case WIRE.FIXED32: this.advance(4); return;
      default: throw new Error(`unsupported wire type ${wire}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error("truncated fixed-width field");
    this.pos += n;
  }
}

/** Reads every field of a message into a number → raw values map (later values last). */
export function readFields(buf: Uint8Array): Map<number, { wire: number; value: bigint | Uint8Array | number }[]> {
  const r = new ProtoReader(buf);
  const out = new Map<number, { wire: number; value: bigint | Uint8Array | number }[]>();
  while (!r.done) {
    const { num, wire } = r.tag();
    let value: bigint | Uint8Array | number;
    if (wire === WIRE.VARINT) value = r.varint();
    else if (wire === WIRE.LEN) value = r.bytes();
    else if (wire === WIRE.FIXED64) value = r.double();
    else {
      r.skip(wire);
      continue;
    }
    const list = out.get(num);
    if (list) list.push({ wire, value });
    else out.set(num, [{ wire, value }]);
  }
  return out;
}
