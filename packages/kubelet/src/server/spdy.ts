/**
 * Just enough SPDY/3.1 for kubectl's port-forward: frame parsing from an arbitrary chunking
 * of the byte stream, frame encoding, and the zlib header-block codec (one context per
 * direction, primed with the SPDY/3 dictionary). kubectl (moby/spdystream) compresses with a
 * real deflater, so inflating needs zlib's streaming state; for our own blocks we emit stored
 * (uncompressed) deflate blocks, which any inflater accepts as a continuation of the stream
 * and which lets encoding stay synchronous.
 */
import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./spdy-dictionary.js";

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

/** Control frame types kubectl's port-forward uses (plus the ones we must tolerate). */
export const FrameType = { SynStream: 1, SynReply: 2, RstStream: 3, Settings: 4, Ping: 6, GoAway: 7, Headers: 8, WindowUpdate: 9 } as const;

/** RST_STREAM status codes. */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

/** One parsed frame: control frames keep their raw body; data frames their payload. */
export type SpdyFrame =
  | { control: true; type: number; flags: number; body: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** Splits an arbitrarily chunked byte stream into SPDY frames. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Feed bytes; returns the frames they complete. */
  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const body = this.buf.subarray(8, 8 + len);
      if (this.buf[0]! & 0x80) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: this.buf.readUInt16BE(2), flags, body });
      } else {
        frames.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return frames;
  }
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(body.length, 4);
  head[4] = flags;
  return Buffer.concat([head, body]);
}

/** A DATA frame. */
export function encodeData(streamId: number, data: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head[4] = flags;
  return Buffer.concat([head, data]);
}

/** A SYN_REPLY frame around an already-encoded header block. */
export function encodeSynReply(streamId: number, headerBlock: Buffer, flags = 0): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff);
  return controlFrame(FrameType.SynReply, flags, Buffer.concat([id, headerBlock]));
}

/** A SYN_STREAM frame (used by tests acting as the client). */
export function encodeSynStream(streamId: number, headerBlock: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(FrameType.SynStream, flags, Buffer.concat([head, headerBlock]));
}

/** A RST_STREAM frame. */
export function encodeRstStream(streamId: number, status: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(streamId & 0x7fffffff, 0);
  body.writeUInt32BE(status, 4);
  return controlFrame(FrameType.RstStream, 0, body);
}

/** A PING frame (echoed back with the same id). */
export function encodePing(id: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(id);
  return controlFrame(FrameType.Ping, 0, body);
}

/** Header name/value pairs; SPDY joins repeated values with NUL. */
export type SpdyHeaders = Record<string, string>;

/** The uncompressed header block: count, then length-prefixed names and values. */
export function serializeHeaders(h: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const entries = Object.entries(h);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const kb = Buffer.from(k.toLowerCase()), vb = Buffer.from(v);
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed header block. */
export function parseHeaders(b: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  let off = 0;
  const str = () => {
    const n = b.readUInt32BE(off);
    const s = b.subarray(off + 4, off + 4 + n).toString();
    off += 4 + n;
    return s;
  };
  const count = b.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    const k = str();
    out[k.toLowerCase()] = str();
  }
  return out;
}

function adler32(b: Buffer): number {
  let a = 1, s = 0;
  for (const x of b) { a = (a + x) % 65521; s = (s + a) % 65521; }
  return ((s << 16) | a) >>> 0;
}

const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** Compresses header blocks for one direction as a zlib stream of stored blocks. */
export class HeaderEncoder {
  private started = false;

  encode(h: SpdyHeaders): Buffer {
    const raw = serializeHeaders(h);
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32K window); FLG with FDICT set and a check making CMF*256+FLG divisible by 31.
      const cmf = 0x78, flgBase = 0x20 | (3 << 6);
      const flg = flgBase + (31 - ((cmf * 256 + flgBase) % 31)) % 31;
      const dictId = Buffer.alloc(4);
      dictId.writeUInt32BE(adler32(SPDY3_DICTIONARY));
      parts.push(Buffer.from([cmf, flg]), dictId);
      this.started = true;
    }
    for (let off = 0; off < raw.length; off += 0xffff) {
      const piece = raw.subarray(off, off + 0xffff);
      const head = Buffer.alloc(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored); we are always byte-aligned here
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
    }
    // End like a sync flush, with an empty stored block: Go's inflater hands out a stored
    // block's bytes only when it reaches the next block header, and reading past the frame
    // would poison its stream for every later frame.
    parts.push(SYNC_FLUSH_MARKER);
    return Buffer.concat(parts);
  }
}

/** Decompresses header blocks for one direction; calls must be made one at a time, in frame order. */
export class HeaderDecoder {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  private failed: Error | undefined;

  constructor() {
    this.inflate.on("error", (err) => { this.failed = err; });
  }

  async decode(block: Buffer): Promise<SpdyHeaders> {
    if (this.failed) throw this.failed;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    this.inflate.on("data", onData);
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        this.inflate.once("error", onError);
        this.inflate.write(block);
        this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          this.inflate.off("error", onError);
          resolve();
        });
      });
    } finally {
      this.inflate.off("data", onData);
    }
    return parseHeaders(Buffer.concat(chunks));
  }

  close(): void {
    this.inflate.destroy();
  }
}

/** SYN_STREAM body fields. */
export function parseSynStream(body: Buffer): { streamId: number; flags?: number; headerBlock: Buffer } {
  return { streamId: body.readUInt32BE(0) & 0x7fffffff, headerBlock: body.subarray(10) };
}
