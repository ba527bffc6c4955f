/** One userspace TCP listener: accepts on a Service address and pipes each connection to an endpoint. */
import net from "node:net";
import type { Logger } from "@kates/component-base";
import { Balancer } from "./balancer.js";

const CONNECT_TIMEOUT_MS = 3000;

export class TcpProxy {
  readonly balancer = new Balancer();
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly log: Logger) {
    this.server = net.createServer({ noDelay: true }, (client) => this.accept(client));
  }

  /** Starts listening; rejects on bind errors (EADDRINUSE, EADDRNOTAVAIL). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off("error", reject);
        this.server.on("error", (err) => this.log.warn({ err }, "tcp proxy listener error"));
        resolve();
      });
    });
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.once("close", () => this.sockets.delete(client));
    client.on("error", () => {});
    if (!this.balancer.size) {
      // No endpoints: refuse at once, like the REJECT rule of iptables mode.
      client.resetAndDestroy();
      return;
    }
    this.connect(client, new Set());
  }

  private connect(client: net.Socket, tried: Set<string>): void {
    const ep = this.balancer.pick(client.remoteAddress ?? "", tried);
    if (!ep) {
      client.resetAndDestroy();
      return;
    }
    const id = `${ep.ip}:${ep.port}`;
    const upstream = net.connect({ host: ep.ip, port: ep.port, noDelay: true, timeout: CONNECT_TIMEOUT_MS });
    this.sockets.add(upstream);
    upstream.once("close", () => this.sockets.delete(upstream));
    let connected = false;
    const fail = () => {
      upstream.destroy();
      if (connected || client.destroyed) return client.destroy();
      tried.add(id);
      this.log.debug({ endpoint: id }, "endpoint did not accept, trying another");
      this.connect(client, tried);
    };
    upstream.once("timeout", fail);
    upstream.once("error", fail);
    upstream.once("connect", () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.off("error", fail);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.once("close", () => upstream.destroy());
      upstream.once("close", () => client.destroy());
    });
  }

  /** Stops listening and drops every open connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
