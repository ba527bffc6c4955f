/**
 * DnsServer: serves a QueryHandler over UDP (one datagram per message) and TCP (each
 * message prefixed with its 2-byte length, several per connection, RFC 7766) on one
 * address and port.
 */
import dgram from "node:dgram";
import net from "node:net";
import type { Logger } from "@kates/component-base";
import type { QueryHandler } from "./handler.js";

const TCP_IDLE_MS = 10_000;

export interface DnsServerOptions {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
}

/** UDP + TCP listeners for one handler (see the file header). */
export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly conns = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly handler: QueryHandler,
    private readonly log: Logger,
  ) {}

  async start(opts: DnsServerOptions): Promise<void> {
    // Bind TCP first: with port 0 its port is then claimed for UDP too.
    this.tcp = net.createServer((sock) => this.serveConnection(sock));
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once("error", reject);
      this.tcp!.listen({ host: opts.host, port: opts.port }, () => resolve());
    });
    this.port = (this.tcp.address() as net.AddressInfo).port;
    this.udp = dgram.createSocket(net.isIPv6(opts.host) ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      this.udp!.once("error", reject);
      this.udp!.bind(this.port, opts.host, () => resolve());
    });
    this.udp.on("error", (err) => this.log.warn({ err }, "udp socket error"));
    this.udp.on("message", (msg, rinfo) => {
      this.handler.handle(msg, false).then(
        (answer) => answer && this.udp?.send(answer, rinfo.port, rinfo.address),
        (err) => this.log.warn({ err }, "query failed"),
      );
    });
  }

  private serveConnection(sock: net.Socket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on("close", () => this.conns.delete(sock));
    sock.on("error", () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.handler.handle(Buffer.from(msg), true).then(
          (answer) => {
            if (!answer || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(answer.length);
            sock.write(Buffer.concat([len, answer]));
          },
          (err) => this.log.warn({ err }, "query failed"),
        );
      }
    });
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
    ]);
  }
}
