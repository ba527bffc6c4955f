import { describe, expect, it } from "vitest";
import { encodeMessage, parseMessage, Rcode, RRType, responseFor, udpLimit, WireError, type Message } from "./wire.js";

function query(name: string, type: number, edns?: number): Message {
  return {
    id: 0x1234, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0,
    questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals: [],
    edns: edns ? { udpSize: edns, version: 0, extendedRcode: 0, dnssecOk: false, options: Buffer.alloc(0) } : undefined,
  };
}

const rr = (name: string, type: number, data: Message["answers"][number]["data"]) => ({ name, type, class: 1, ttl: 5, data });

describe("wire codec", () => {
  it("round-trips a response with every record type it knows", () => {
    const res = responseFor(query("Web.Default.svc.cluster.local", RRType.A, 1232));
    res.aa = true;
    res.answers = [
      rr("Web.Default.svc.cluster.local", RRType.A, { address: "10.96.0.12" }),
      rr("web.default.svc.cluster.local", RRType.AAAA, { address: "fd00::1:2" }),
      rr("_http._tcp.web.default.svc.cluster.local", RRType.SRV, { priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }),
      rr("ext.default.svc.cluster.local", RRType.CNAME, { target: "example.com" }),
      rr("12.0.96.10.in-addr.arpa", RRType.PTR, { target: "web.default.svc.cluster.local" }),
      rr("t.example", RRType.TXT, { raw: Buffer.from([3, 0x61, 0x62, 0x63]) }),
    ];
    res.authorities = [rr("cluster.local", RRType.SOA, { mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 })];
    const back = parseMessage(encodeMessage(res));
    expect(back).toEqual({ ...res, edns: { ...res.edns, options: Buffer.alloc(0) } });
    expect(back.qr && back.aa && back.ra && back.rd).toBe(true);
  });

  it("compresses repeated suffixes and reads the pointers back", () => {
    const res = responseFor(query("a.default.svc.cluster.local", RRType.A));
    res.answers = ["a", "b", "c"].map((h) => rr(`${h}.default.svc.cluster.local`, RRType.A, { address: "10.0.0.1" }));
    const buf = encodeMessage(res);
    // Uncompressed the three owner names alone would be 3 * 29 bytes.
    expect(buf.length).toBeLessThan(12 + 33 + 3 * 16 + 29);
    expect(buf.includes(Buffer.from([0xc0]))).toBe(true);
    expect(parseMessage(buf).answers.map((a) => a.name)).toEqual(["a.default.svc.cluster.local", "b.default.svc.cluster.local", "c.default.svc.cluster.local"]);
  });

  it("truncates UDP answers over the limit, and EDNS raises the limit", () => {
    const big = (edns?: number) => {
      const res = responseFor(query("many.default.svc.cluster.local", RRType.A, edns));
      res.answers = Array.from({ length: 60 }, (_, i) => rr("many.default.svc.cluster.local", RRType.A, { address: `10.244.0.${i}` }));
      return res;
    };
    const plain = big();
    const cut = parseMessage(encodeMessage(plain, udpLimit(query("x", 1))));
    expect(cut.tc).toBe(true);
    expect(cut.answers).toEqual([]);
    expect(cut.questions).toHaveLength(1);
    const withEdns = parseMessage(encodeMessage(big(4096), udpLimit(query("x", 1, 4096))));
    expect(withEdns.tc).toBe(false);
    expect(withEdns.answers).toHaveLength(60);
    expect(withEdns.edns?.udpSize).toBe(4096);
    expect(udpLimit(query("x", 1, 100))).toBe(512);
  });

  it("carries extended rcodes in the OPT record", () => {
    const res = responseFor(query("x", 1, 1232), Rcode.BADVERS);
    const back = parseMessage(encodeMessage(res));
    expect(back.rcode).toBe(Rcode.BADVERS);
  });

  it("rejects malformed input with WireError and never loops", () => {
    const good = encodeMessage(query("web.default.svc.cluster.local", RRType.A));
    for (let n = 0; n < good.length; n++) expect(() => parseMessage(good.subarray(0, n))).toThrow(WireError);
    // A pointer to itself, and one pointing forward.
    const loop = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => parseMessage(loop)).toThrow(/backwards/);
    const fwd = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 1, 0, 1]);
    expect(() => parseMessage(fwd)).toThrow(WireError);
    // Random garbage: only WireErrors, whatever the bytes.
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: 12 + (i % 80) }, rand));
      try {
        parseMessage(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(WireError);
      }
    }
    // Mutations of a valid answer.
    const answer = encodeMessage({ ...responseFor(query("a.b.c", RRType.SRV)), answers: [rr("a.b.c", RRType.SRV, { priority: 0, weight: 1, port: 2, target: "x.b.c" })] });
    for (let i = 0; i < answer.length; i++) {
      const m = Buffer.from(answer);
      m[i] = rand();
      try {
        parseMessage(m);
      } catch (err) {
        expect(err).toBeInstanceOf(WireError);
      }
    }
  });

  it("rejects names over 255 bytes", () => {
    const labels = Array.from({ length: 5 }, () => "x".repeat(60)).join(".");
    const buf = encodeMessage(query(labels, RRType.A));
    expect(() => parseMessage(buf)).toThrow(/255/);
  });
});
