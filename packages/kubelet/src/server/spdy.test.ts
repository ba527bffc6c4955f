import { describe, it, expect } from "vitest";
import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./spdy-dictionary.js";
import {
  FLAG_FIN, FrameReader, FrameType, HeaderDecoder, HeaderEncoder, encodeData, encodePing, encodeRstStream,
  encodeSynReply, encodeSynStream, parseHeaders, parseSynStream, serializeHeaders,
} from "./spdy.js";

function adler32(b: Buffer): number {
  let a = 1, s = 0;
  for (const x of b) { a = (a + x) % 65521; s = (s + a) % 65521; }
  return ((s << 16) | a) >>> 0;
}

/** Compresses like kubectl's spdystream: one deflate context with the dictionary, sync-flushed per block. */
async function goLikeDeflate(blocks: Buffer[]): Promise<Buffer[]> {
  const d = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  const out: Buffer[] = [];
  for (const b of blocks) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    d.on("data", onData);
    await new Promise<void>((r) => { d.write(b); d.flush(zlib.constants.Z_SYNC_FLUSH, () => r()); });
    d.off("data", onData);
    out.push(Buffer.concat(chunks));
  }
  d.destroy();
  return out;
}

describe("SPDY/3 dictionary", () => {
  it("has the spec's size, opening and ending bytes", () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect([...SPDY3_DICTIONARY.subarray(0, 8)]).toEqual([0, 0, 0, 7, 0x6f, 0x70, 0x74, 0x69]);
    expect(SPDY3_DICTIONARY.subarray(-8).toString()).toBe("*,enq=0.");
  });

  it("has the Adler-32 that kubectl puts in its zlib header (DICTID)", () => {
    // Seen in the first SYN_STREAM header block kubectl v1.32.4 sent: 78 f9 e3 c6 a7 c2 ...
    expect(adler32(SPDY3_DICTIONARY).toString(16)).toBe(KUBECTL_DICTID);
  });
});

const KUBECTL_DICTID = "e3c6a7c2";

describe("frame reader", () => {
  it("reassembles frames split at any byte", () => {
    const bytes = Buffer.concat([encodeData(1, Buffer.from("hello"), FLAG_FIN), encodeRstStream(3, 5), encodePing(7)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
      expect(frames).toHaveLength(3);
      expect(frames[0]).toEqual({ control: false, streamId: 1, flags: FLAG_FIN, data: Buffer.from("hello") });
      expect(frames[1]).toMatchObject({ control: true, type: FrameType.RstStream });
      const rst = frames[1] as { body: Buffer };
      expect([rst.body.readUInt32BE(0), rst.body.readUInt32BE(4)]).toEqual([3, 5]);
      expect(frames[2]).toMatchObject({ control: true, type: FrameType.Ping, flags: 0 });
    }
  });

  it("encodes control frame headers with version 3 and the length", () => {
    const f = encodeSynReply(5, Buffer.from([1, 2, 3]));
    expect([...f.subarray(0, 8)]).toEqual([0x80, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 7]);
    expect(f.readUInt32BE(8)).toBe(5);
  });

  it("parses SYN_STREAM bodies", () => {
    const f = new FrameReader().push(encodeSynStream(9, Buffer.from("xyz")))[0] as { body: Buffer };
    const s = parseSynStream(f.body);
    expect(s.streamId).toBe(9);
    expect(s.headerBlock.toString()).toBe("xyz");
  });
});

describe("header codec", () => {
  it("round-trips the uncompressed block", () => {
    const h = { streamtype: "data", port: "80", requestid: "0" };
    expect(parseHeaders(serializeHeaders(h))).toEqual(h);
  });

  it("inflates a continuous dictionary-primed stream, one block per frame", async () => {
    const headers = [{ streamtype: "error", port: "80", requestid: "0" }, { streamtype: "data", port: "80", requestid: "0" }, { streamtype: "error", port: "8080", requestid: "1" }];
    const blocks = await goLikeDeflate(headers.map(serializeHeaders));
    const dec = new HeaderDecoder();
    for (let i = 0; i < headers.length; i++) expect(await dec.decode(blocks[i]!)).toEqual(headers[i]);
    dec.close();
  });

  it("emits blocks a standard inflater with the dictionary reads back", () => {
    const enc = new HeaderEncoder();
    const a = enc.encode({});
    const b = enc.encode({ port: "80" });
    expect(a.readUInt32BE(2)).toBe(adler32(SPDY3_DICTIONARY));
    // Each block ends as a sync flush does, so a reader never needs bytes of the next frame.
    for (const block of [a, b]) expect([...block.subarray(-5)]).toEqual([0, 0, 0, 0xff, 0xff]);
    const all = zlib.inflateSync(Buffer.concat([a, b]), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(parseHeaders(all)).toEqual({});
    expect(parseHeaders(all.subarray(4))).toEqual({ port: "80" });
  });

  it("decodes its own encoder's output through the streaming decoder", async () => {
    const enc = new HeaderEncoder();
    const dec = new HeaderDecoder();
    expect(await dec.decode(enc.encode({ a: "1" }))).toEqual({ a: "1" });
    expect(await dec.decode(enc.encode({ b: "2", c: "x\u0000y" }))).toEqual({ b: "2", c: "x\u0000y" });
    dec.close();
  });
});
