/** Endpoint choice for the userspace proxy: round robin, with ClientIP stickiness when asked. */
import type { EndpointInfo } from "../types.js";

export class Balancer {
  private endpoints: EndpointInfo[] = [];
  private next = 0;
  private affinitySeconds?: number;
  private readonly sticky = new Map<string, { ep: EndpointInfo; until: number }>();

  /** Replaces the endpoints; sticky clients whose endpoint left are forgotten. */
  update(endpoints: EndpointInfo[], affinitySeconds: number | undefined): void {
    this.endpoints = endpoints;
    this.affinitySeconds = affinitySeconds;
    const live = new Set(endpoints.map((e) => `${e.ip}:${e.port}`));
    for (const [client, s] of this.sticky) if (!live.has(`${s.ep.ip}:${s.ep.port}`) || affinitySeconds === undefined) this.sticky.delete(client);
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** The endpoint for a new connection from `clientIP`; `skip` endpoints already failed for it. */
  pick(clientIP: string, skip: Set<string> = new Set()): EndpointInfo | undefined {
    const now = Date.now();
    if (this.affinitySeconds !== undefined) {
      const s = this.sticky.get(clientIP);
      if (s && s.until > now && !skip.has(`${s.ep.ip}:${s.ep.port}`)) {
        s.until = now + this.affinitySeconds * 1000;
        return s.ep;
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[this.next++ % this.endpoints.length]!;
      if (skip.has(`${ep.ip}:${ep.port}`)) continue;
      if (this.affinitySeconds !== undefined) this.sticky.set(clientIP, { ep, until: now + this.affinitySeconds * 1000 });
      return ep;
    }
    return undefined;
  }
}
