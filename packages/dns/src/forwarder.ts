/**
 * Forwarder: relays a query for a name outside the cluster to the upstream resolvers, in
 * order, UDP with a timeout (TCP when the client came over TCP or the UDP answer was
 * truncated for a TCP client). Each attempt uses a fresh socket and a random id; the answer's
 * id and source must match, so a stray or spoofed datagram is ignored.
 */
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import { randomInt } from "node:crypto";

export interface Upstream {
  host: string;
  port: number;
}

/** Parses "1.2.3.4", "1.2.3.4:5353", "::1" or "[::1]:5353". */
export function parseUpstream(s: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (net.isIPv6(s)) return { host: s, port: 53 };
  const [host, port] = s.split(":");
  if (!host || !net.isIP(host)) throw new Error(`invalid upstream ${JSON.stringify(s)}: want IP or IP:PORT`);
  return { host, port: Number(port ?? 53) };
}

/** The nameservers of a resolv.conf text. */
export function resolvConfNameservers(text: string): string[] {
  return text.split("\n").map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s && net.isIP(s.replace(/%.*$/, "")) !== 0);
}

/** Nameservers of /etc/resolv.conf (empty when it cannot be read). */
export function systemNameservers(path = "/etc/resolv.conf"): string[] {
  try {
    return resolvConfNameservers(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
}

/** Relays raw queries to upstream resolvers (see the file header). */
export class Forwarder {
  constructor(
    readonly upstreams: Upstream[],
    private readonly timeoutMs: number,
  ) {}

  /** The upstream's raw answer with the client's id restored, or undefined if every upstream failed. */
  async forward(query: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const clientId = query.readUInt16BE(0);
    for (const up of this.upstreams) {
      const id = randomInt(0, 0x10000);
      const q = Buffer.from(query);
      q.writeUInt16BE(id, 0);
      try {
        // A truncated UDP answer is relayed as it is: the client retries over TCP.
        const answer = tcp ? await this.tcp(up, q) : await this.udp(up, q);
        if (answer.length < 12 || answer.readUInt16BE(0) !== id) continue;
        const out = Buffer.from(answer);
        out.writeUInt16BE(clientId, 0);
        // SERVFAIL from one upstream: try the next one.
        if ((out[3]! & 0xf) === 2 && up !== this.upstreams[this.upstreams.length - 1]) continue;
        return out;
      } catch {
        // timeout or connection error: next upstream
      }
    }
    return undefined;
  }

  private udp(up: Upstream, q: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket(net.isIPv6(up.host) ? "udp6" : "udp4");
      const done = (err?: Error, msg?: Buffer) => {
        clearTimeout(timer);
        sock.close();
        if (err) reject(err);
        else resolve(msg!);
      };
      const timer = setTimeout(() => done(new Error(`upstream ${up.host}:${up.port} timed out`)), this.timeoutMs);
      sock.on("error", (err) => done(err));
      sock.on("message", (msg, rinfo) => {
        if (rinfo.port !== up.port || msg.length < 2 || msg.readUInt16BE(0) !== q.readUInt16BE(0)) return;
        done(undefined, msg);
      });
      sock.send(q, up.port, up.host, (err) => err && done(err));
    });
  }

  private tcp(up: Upstream, q: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      const done = (err?: Error, msg?: Buffer) => {
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(msg!);
      };
      const timer = setTimeout(() => done(new Error(`upstream ${up.host}:${up.port} timed out`)), this.timeoutMs);
      sock.on("error", (err) => done(err));
      sock.on("connect", () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        sock.write(Buffer.concat([len, q]));
      });
      sock.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on("end", () => done(new Error("upstream closed the connection")));
    });
  }
}
