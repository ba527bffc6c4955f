/**
 * userspace mode: a Node listener per Service address (TCP proxy or UDP relay) for where iptables
 * cannot be used. ClusterIPs are bound on `lo` (reachable from this node only), NodePorts on each
 * node address (or 0.0.0.0 while the Node has none). LoadBalancer and external IPs are not served
 * in this mode. Every byte crosses the process, so expect about 0.6x of iptables' throughput.
 */
import type { Logger } from "@kates/component-base";
import type { Proxier, SyncOutcome } from "../proxier.js";
import type { ServicePortInfo } from "../types.js";
import type { LoopbackAddresses } from "./loopback.js";
import { TcpProxy } from "./tcp-proxy.js";
import { UdpProxy } from "./udp-proxy.js";

type Listener = TcpProxy | UdpProxy;

interface Want {
  proto: "tcp" | "udp";
  host: string;
  port: number;
  sp: ServicePortInfo;
  /** The ClusterIP listener (internalTrafficPolicy applies to it only). */
  clusterIP?: true;
}

export class UserspaceProxier implements Proxier {
  readonly mode = "userspace";
  private readonly listeners = new Map<string, Listener>();
  private readonly addresses = new Set<string>();
  /** Listeners that failed to bind, so the log says it once, not every sync. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly loopback: LoopbackAddresses,
    private readonly log: Logger,
    /** This node's name, for internalTrafficPolicy Local. */
    private readonly nodeName?: string,
  ) {}

  async sync(ports: ServicePortInfo[], nodeAddresses: string[], _resync: boolean): Promise<SyncOutcome> {
    const want = new Map<string, Want>();
    for (const sp of ports) {
      if (sp.protocol === "sctp") continue;
      const proto = sp.protocol;
      want.set(`${proto}/${sp.clusterIP}:${sp.port}`, { proto, host: sp.clusterIP, port: sp.port, sp, clusterIP: true });
      if (sp.nodePort !== undefined) {
        for (const host of nodeAddresses.length ? nodeAddresses : ["0.0.0.0"]) want.set(`${proto}/${host}:${sp.nodePort}`, { proto, host, port: sp.nodePort, sp });
      }
    }
    let opened = 0;
    let closed = 0;
    for (const [key, l] of this.listeners) {
      if (want.has(key)) continue;
      await l.close();
      this.listeners.delete(key);
      closed++;
    }
    const clusterIPs = new Set(ports.map((p) => p.clusterIP));
    for (const ip of clusterIPs) {
      if (this.addresses.has(ip)) continue;
      await this.loopback.add(ip);
      this.addresses.add(ip);
    }
    for (const [key, w] of want) {
      let l = this.listeners.get(key);
      if (!l) {
        l = w.proto === "tcp" ? new TcpProxy(this.log) : new UdpProxy(this.log);
        try {
          await l.listen(w.host, w.port);
        } catch (err) {
          if (!this.failed.has(key)) this.log.warn({ err, listener: key, service: w.sp.key }, "cannot listen for a Service port");
          this.failed.add(key);
          continue;
        }
        this.failed.delete(key);
        this.listeners.set(key, l);
        opened++;
      }
      // internalTrafficPolicy Local: the ClusterIP uses this node's endpoints only. With none here the
      // connection is reset like one to a Service without endpoints (a socket cannot "drop").
      const eps = w.clusterIP && w.sp.internalPolicyLocal ? w.sp.endpoints.filter((e) => e.nodeName !== undefined && e.nodeName === this.nodeName) : w.sp.endpoints;
      l.balancer.update(eps, w.sp.affinitySeconds);
    }
    for (const ip of [...this.addresses]) {
      if (clusterIPs.has(ip)) continue;
      await this.loopback.remove(ip);
      this.addresses.delete(ip);
    }
    return { applied: opened + closed > 0, detail: { listeners: this.listeners.size, opened, closed } };
  }

  /** Userspace listeners die with the process, so their addresses go too. */
  async close(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    this.listeners.clear();
    for (const ip of this.addresses) await this.loopback.remove(ip);
    this.addresses.clear();
  }
}
