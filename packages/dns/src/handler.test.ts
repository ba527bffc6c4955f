import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseUpstreams } from "./dns.js";
import { Forwarder, parseUpstream, resolvConfNameservers } from "./forwarder.js";
import { QueryHandler } from "./handler.js";
import { RecordIndex } from "./records.js";
import { encodeMessage, parseMessage, Rcode, RRType, type Message } from "./wire.js";

const query = (name: string, type: number = RRType.A, extra: Partial<Message> = {}): Buffer =>
  encodeMessage({ id: 77, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals: [], ...extra });

let upstream: dgram.Socket;
let upstreamPort: number;
let seenIds: number[] = [];

beforeAll(async () => {
  // Answers every query with NXDOMAIN, echoing the question, so the relay can be checked.
  upstream = dgram.createSocket("udp4");
  upstream.on("message", (msg, rinfo) => {
    seenIds.push(msg.readUInt16BE(0));
    const q = parseMessage(msg);
    upstream.send(encodeMessage({ ...q, qr: true, ra: true, rcode: Rcode.NXDOMAIN }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()));
  upstreamPort = upstream.address().port;
});

afterAll(() => upstream.close());

function handler(upstreams: string[]): QueryHandler {
  const idx = new RecordIndex({ domain: "cluster.local", ttl: 5 });
  idx.rebuild([{ metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.20" } }], []);
  return new QueryHandler(() => idx, new Forwarder(upstreams.map(parseUpstream), 300));
}

describe("QueryHandler", () => {
  it("answers the cluster domain itself, authoritatively", async () => {
    const res = parseMessage((await handler([]).handle(query("web.default.svc.cluster.local"), false))!);
    expect(res).toMatchObject({ id: 77, qr: true, aa: true, rd: true, rcode: Rcode.NOERROR });
    expect(res.answers.map((a) => a.data)).toEqual([{ address: "10.96.0.20" }]);
  });

  it("relays other names upstream with a fresh id and restores the client's", async () => {
    seenIds = [];
    const res = parseMessage((await handler([`127.0.0.1:${upstreamPort}`]).handle(query("example.org"), false))!);
    expect(res).toMatchObject({ id: 77, rcode: Rcode.NXDOMAIN, aa: false });
    expect(seenIds).toHaveLength(1);
  });

  it("falls through dead upstreams and answers SERVFAIL when none answers", async () => {
    const dead = dgram.createSocket("udp4");
    await new Promise<void>((r) => dead.bind(0, "127.0.0.1", () => r()));
    try {
      const h = handler([`127.0.0.1:${dead.address().port}`, `127.0.0.1:${upstreamPort}`]);
      expect(parseMessage((await h.handle(query("example.org"), false))!).rcode).toBe(Rcode.NXDOMAIN);
      const none = handler([`127.0.0.1:${dead.address().port}`]);
      expect(parseMessage((await none.handle(query("example.org"), false))!).rcode).toBe(Rcode.SERVFAIL);
    } finally {
      dead.close();
    }
  });

  it("answers FORMERR to garbage with a header, NOTIMP to other opcodes, and ignores responses", async () => {
    const h = handler([]);
    const garbage = Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 1]);
    expect(parseMessage((await h.handle(garbage, false))!)).toMatchObject({ id: 9, rcode: Rcode.FORMERR });
    expect(await h.handle(Buffer.from([1, 2, 3]), false)).toBeUndefined();
    expect(parseMessage((await h.handle(query("web.default.svc.cluster.local", RRType.A, { opcode: 2 }), false))!).rcode).toBe(Rcode.NOTIMP);
    expect(await h.handle(query("web.default.svc.cluster.local", RRType.A, { qr: true }), false)).toBeUndefined();
    expect(h.stats.formerr).toBe(2);
  });

  it("picks upstreams from resolv.conf without itself", () => {
    expect(resolvConfNameservers("# c\nnameserver 10.0.0.2\nsearch x\nnameserver  10.96.0.10\nnameserver bogus\n")).toEqual(["10.0.0.2", "10.96.0.10"]);
    const o = { upstreams: [], bindAddress: "0.0.0.0", port: 53, advertiseAddress: "192.168.1.4", clusterDnsIP: "10.96.0.10" };
    expect(chooseUpstreams(o, ["10.96.0.10", "192.168.1.4", "127.0.0.53", "10.0.0.2"])).toEqual([{ host: "10.0.0.2", port: 53 }]);
    expect(chooseUpstreams({ ...o, port: 1053 }, ["127.0.0.53"])).toEqual([{ host: "127.0.0.53", port: 53 }]);
    expect(chooseUpstreams({ ...o, upstreams: ["[::1]:5353", "1.1.1.1"] }, [])).toEqual([{ host: "::1", port: 5353 }, { host: "1.1.1.1", port: 53 }]);
  });
});
