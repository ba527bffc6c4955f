/**
 * One userspace UDP relay: datagrams to a Service address go to an endpoint through a
 * per-client socket, and replies come back from the Service address. Sessions end after
 * IDLE_MS without traffic, the way conntrack forgets a UDP flow.
 */
import dgram from "node:dgram";
import type { Logger } from "@kates/component-base";
import { Balancer } from "./balancer.js";

const IDLE_MS = 30_000;

interface Session {
  socket: dgram.Socket;
  ep: { ip: string; port: number };
  timer: NodeJS.Timeout;
}

export class UdpProxy {
  readonly balancer = new Balancer();
  private readonly server = dgram.createSocket("udp4");
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly log: Logger) {
    this.server.on("message", (msg, rinfo) => this.relay(msg, rinfo));
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.bind({ address: host, port, exclusive: true }, () => {
        this.server.off("error", reject);
        this.server.on("error", (err) => this.log.warn({ err }, "udp proxy error"));
        resolve();
      });
    });
  }

  private relay(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const client = `${rinfo.address}:${rinfo.port}`;
    let s = this.sessions.get(client);
    if (!s) {
      const ep = this.balancer.pick(rinfo.address);
      if (!ep) return; // no endpoints: drop, as UDP has no refusal to send back here
      const socket = dgram.createSocket("udp4");
      socket.on("error", () => this.end(client));
      socket.on("message", (reply) => {
        this.server.send(reply, rinfo.port, rinfo.address);
        this.touch(client);
      });
      s = { socket, ep, timer: setTimeout(() => this.end(client), IDLE_MS).unref() };
      this.sessions.set(client, s);
    } else {
      this.touch(client);
    }
    s.socket.send(msg, s.ep.port, s.ep.ip, (err) => err && this.end(client));
  }

  private touch(client: string): void {
    this.sessions.get(client)?.timer.refresh();
  }

  private end(client: string): void {
    const s = this.sessions.get(client);
    if (!s) return;
    this.sessions.delete(client);
    clearTimeout(s.timer);
    s.socket.close();
  }

  async close(): Promise<void> {
    for (const c of [...this.sessions.keys()]) this.end(c);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
