/**
 * The DNS wire format (RFC 1035, EDNS0 from RFC 6891): parse a message with name
 * compression, encode one with compression and UDP truncation. Only what a cluster DNS
 * needs; unknown record types keep their rdata as raw bytes (safe only for types whose
 * rdata holds no names, which is why answers relayed from upstream are filtered by type).
 */

/** Record types used here. */
export const RRType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;

/** Response codes; BADVERS only fits with EDNS (extended rcode). */
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

export const CLASS_IN = 1;

/** The largest UDP answer a client without EDNS accepts. */
export const UDP_DEFAULT_SIZE = 512;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** Decoded rdata: an address (A, AAAA), a name (CNAME, PTR, NS), SRV, SOA, or raw bytes. */
export type RData = { address: string } | { target: string } | SrvData | SoaData | { raw: Buffer };

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RData;
}

/** The EDNS0 OPT pseudo-record, lifted out of the additional section. */
export interface Edns {
  udpSize: number;
  version: number;
  extendedRcode: number;
  dnssecOk: boolean;
  /** The options (code, length, value triples) as raw bytes. */
  options: Buffer;
}

export interface Message {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The full response code; values above 15 need EDNS. */
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  edns?: Edns;
}

/** Malformed input. */
export class WireError extends Error {}

const MAX_NAME = 255;

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError(`truncated message at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A possibly compressed name; pointers must point backwards, which rules out loops. */
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let end = -1;
    let length = 1;
    let floor = pos;
    for (;;) {
      if (pos >= this.buf.length) throw new WireError("name runs past the message");
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new WireError("truncated compression pointer");
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        if (end < 0) end = pos + 2;
        if (target >= floor) throw new WireError("compression pointer does not point backwards");
        floor = target;
        pos = target;
        continue;
      }
      if (len & 0xc0) throw new WireError("unsupported label type");
      if (len === 0) {
        pos += 1;
        break;
      }
      if (pos + 1 + len > this.buf.length) throw new WireError("label runs past the message");
      const label = this.buf.toString("latin1", pos + 1, pos + 1 + len);
      if (label.includes(".")) throw new WireError("label contains a dot");
      length += len + 1;
      if (length > MAX_NAME) throw new WireError("name longer than 255 bytes");
      labels.push(label);
      pos += 1 + len;
    }
    this.pos = end >= 0 ? end : pos;
    return labels.join(".");
  }
}

function readQuestion(r: Reader): Question {
  return { name: r.name(), type: r.u16(), class: r.u16() };
}

function ipv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Shorten the longest run of zero groups, as the text form usually is.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const klass = r.u16();
  const ttl = r.u32();
  const rdlength = r.u16();
  r.need(rdlength);
  const end = r.pos + rdlength;
  let data: RData;
  const sub = new Reader(r.buf.subarray(0, end), r.pos);
  if (type === RRType.A && rdlength === 4) data = { address: ipv4(sub.bytes(4)) };
  else if (type === RRType.AAAA && rdlength === 16) data = { address: ipv6(sub.bytes(16)) };
  else if (type === RRType.CNAME || type === RRType.PTR || type === RRType.NS) data = { target: sub.name() };
  else if (type === RRType.SRV) data = { priority: sub.u16(), weight: sub.u16(), port: sub.u16(), target: sub.name() };
  else if (type === RRType.SOA) data = { mname: sub.name(), rname: sub.name(), serial: sub.u32(), refresh: sub.u32(), retry: sub.u32(), expire: sub.u32(), minimum: sub.u32() };
  else data = { raw: Buffer.from(sub.bytes(rdlength)) };
  if (sub.pos !== end) throw new WireError(`rdata of type ${type} has ${end - sub.pos} stray bytes`);
  r.pos = end;
  return { name, type, class: klass, ttl, data };
}

/** Parses a whole message; throws WireError on anything malformed. */
export function parseMessage(buf: Buffer): Message {
  const r = new Reader(buf);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) questions.push(readQuestion(r));
  const sections: ResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) for (let i = 0; i < counts[s + 1]!; i++) sections[s]!.push(readRecord(r));
  const msg: Message = {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: [],
  };
  for (const rr of sections[2]!) {
    if (rr.type !== RRType.OPT) {
      msg.additionals.push(rr);
      continue;
    }
    if (msg.edns || rr.name !== "") throw new WireError("more than one OPT record, or one not at the root");
    const extendedRcode = rr.ttl >>> 24;
    msg.edns = { udpSize: rr.class, extendedRcode, version: (rr.ttl >>> 16) & 0xff, dnssecOk: (rr.ttl & 0x8000) !== 0, options: (rr.data as { raw: Buffer }).raw };
    msg.rcode |= extendedRcode << 4;
  }
  return msg;
}

/** Reads only the header's id, for answering input too broken to parse (FORMERR). */
export function peekId(buf: Buffer): number | undefined {
  return buf.length >= 12 ? buf.readUInt16BE(0) : undefined;
}

class Writer {
  private buf = Buffer.alloc(512);
  pos = 0;
  private readonly names = new Map<string, number>();

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.grow(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.grow(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Buffer): void {
    this.grow(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /** Writes a name, pointing at an earlier copy of its longest known suffix (matched with case, so every name reads back as written). */
  name(name: string): void {
    const labels = name === "" || name === "." ? [] : name.replace(/\.$/, "").split(".");
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join(".");
      const at = this.names.get(suffix);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos < 0x4000) this.names.set(suffix, this.pos);
      const label = Buffer.from(labels[i]!, "latin1");
      if (label.length === 0 || label.length > 63) throw new WireError(`bad label in ${JSON.stringify(name)}`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function addressBytes(type: number, address: string): Buffer {
  if (type === RRType.A) {
    const parts = address.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new WireError(`bad IPv4 address ${address}`);
    return Buffer.from(parts);
  }
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new WireError(`bad IPv6 address ${address}`);
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return b;
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lenAt = w.pos;
  w.u16(0);
  const start = w.pos;
  const d = rr.data;
  if ("raw" in d) w.bytes(d.raw);
  else if ("address" in d) w.bytes(addressBytes(rr.type, d.address));
  else if ("port" in d) {
    w.u16(d.priority);
    w.u16(d.weight);
    w.u16(d.port);
    w.name(d.target);
  } else if ("mname" in d) {
    w.name(d.mname);
    w.name(d.rname);
    for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
  } else w.name(d.target);
  w.setU16(lenAt, w.pos - start);
}

function encodeSections(msg: Message, withRecords: boolean, tc: boolean): Buffer {
  const w = new Writer();
  const additionals = withRecords ? [...msg.additionals] : [];
  if (msg.edns) {
    const e = msg.edns;
    additionals.push({ name: "", type: RRType.OPT, class: e.udpSize, ttl: ((msg.rcode >> 4) << 24) | (e.version << 16) | (e.dnssecOk ? 0x8000 : 0), data: { raw: e.options } });
  }
  const answers = withRecords ? msg.answers : [];
  const authorities = withRecords ? msg.authorities : [];
  w.u16(msg.id);
  w.u16((msg.qr ? 0x8000 : 0) | ((msg.opcode & 0xf) << 11) | (msg.aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (msg.rd ? 0x0100 : 0) | (msg.ra ? 0x0080 : 0) | (msg.rcode & 0xf));
  for (const n of [msg.questions.length, answers.length, authorities.length, additionals.length]) w.u16(n);
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...answers, ...authorities, ...additionals]) writeRecord(w, rr);
  return w.result();
}

/**
 * Encodes a message. With `maxSize` (UDP), an answer that does not fit is sent with the TC
 * bit and no records (the client retries over TCP), as RFC 2181 prefers to partial sets.
 */
export function encodeMessage(msg: Message, maxSize = 65535): Buffer {
  const full = encodeSections(msg, true, msg.tc);
  if (full.length <= maxSize) return full;
  return encodeSections(msg, false, true);
}

/** A response skeleton for `query`: same id, question, RD and EDNS presence. */
export function responseFor(query: Message, rcode: number = Rcode.NOERROR): Message {
  return {
    id: query.id,
    qr: true,
    opcode: query.opcode,
    aa: false,
    tc: false,
    rd: query.rd,
    ra: true,
    rcode,
    questions: query.questions.slice(0, 1),
    answers: [],
    authorities: [],
    additionals: [],
    edns: query.edns ? { udpSize: 4096, version: 0, extendedRcode: 0, dnssecOk: query.edns.dnssecOk, options: Buffer.alloc(0) } : undefined,
  };
}

/** The UDP size limit a query allows for its answer (EDNS raises the default 512). */
export function udpLimit(query: Message): number {
  return query.edns ? Math.min(Math.max(query.edns.udpSize, UDP_DEFAULT_SIZE), 4096) : UDP_DEFAULT_SIZE;
}
