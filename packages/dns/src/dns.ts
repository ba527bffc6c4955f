/**
 * kates-dns: watches Services and EndpointSlices, answers the cluster domain from a
 * RecordIndex rebuilt lazily after a change (the next query pays for it, so answers are
 * never older than the caches), forwards other names upstream, and registers itself behind
 * kube-system/kube-dns (liveness by Lease, endpoint-leases.ts). DNS is served only once the caches have synced, so a name that
 * exists is never answered NXDOMAIN because the list had not arrived yet.
 */
import os from "node:os";
import net from "node:net";
import { findResource, type EndpointSlice, type Service } from "@kates/api";
import { Informer, RestClient, waitForCacheSync } from "@kates/client";
import { sleep, startHealthServer, type Logger } from "@kates/component-base";
import { Forwarder, parseUpstream, systemNameservers, type Upstream } from "./forwarder.js";
import { QueryHandler } from "./handler.js";
import { RecordIndex } from "./records.js";
import { EndpointLeases } from "./endpoint-leases.js";
import { DnsServer } from "./server.js";

export interface RunOptions {
  server: string;
  bindAddress: string;
  port: number;
  healthBindAddress: string;
  healthPort: number;
  clusterDomain: string;
  ttl: number;
  /** Empty: the nameservers of /etc/resolv.conf that are not this server. */
  upstreams: string[];
  upstreamTimeoutMs: number;
  /** Empty: the first non-internal IPv4 address. */
  advertiseAddress: string;
  register: boolean;
  clusterDnsIP: string;
  /** How often this replica renews its Lease and reconciles kube-dns' endpoints. */
  leaseRenewIntervalMs: number;
  /** How long a replica's Lease is valid after its last renewal (whole seconds). */
  leaseDurationSeconds: number;
}

/** The first non-internal IPv4 address of this machine (loopback if there is none). */
export function defaultAdvertiseAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/** Upstreams from the flag, or resolv.conf's nameservers minus the addresses that are this server. */
export function chooseUpstreams(o: Pick<RunOptions, "upstreams" | "bindAddress" | "port" | "advertiseAddress" | "clusterDnsIP">, resolvConf = systemNameservers()): Upstream[] {
  if (o.upstreams.length > 0) return o.upstreams.map(parseUpstream);
  const local = new Set(Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address)));
  const wildcard = o.bindAddress === "0.0.0.0" || o.bindAddress === "::";
  const isSelf = (ip: string) => ip === o.clusterDnsIP || ip === o.advertiseAddress || (o.port === 53 && (ip === o.bindAddress || (wildcard && (local.has(ip) || ip.startsWith("127.")))));
  return resolvConf.filter((ip) => !isSelf(ip)).map(parseUpstream);
}

/** Runs kates-dns until `signal` aborts (see the file header). */
export async function run(options: RunOptions, log: Logger, signal: AbortSignal): Promise<void> {
  const rest = new RestClient({ server: options.server, userAgent: "kates-dns" });
  const services = new Informer<Service>(rest.resource<Service>(findResource("", "v1", "services")!), { logger: log });
  const slices = new Informer<EndpointSlice>(rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!), { logger: log });
  const index = new RecordIndex({ domain: options.clusterDomain, ttl: options.ttl });
  let dirty = true;
  const markDirty = () => void (dirty = true);
  for (const inf of [services, slices] as Informer<Service | EndpointSlice>[]) inf.on("add", markDirty).on("update", markDirty).on("delete", markDirty);
  const currentIndex = () => {
    if (dirty) {
      dirty = false;
      index.rebuild(services.lister.list(), slices.lister.list());
    }
    return index;
  };

  const advertise = options.advertiseAddress || defaultAdvertiseAddress();
  if (!net.isIP(advertise)) throw new Error(`--advertise-address ${JSON.stringify(advertise)} is not an IP address`);
  const upstreams = chooseUpstreams({ ...options, advertiseAddress: advertise });
  if (upstreams.length === 0) log.warn("no upstream nameservers: names outside the cluster domain get SERVFAIL");
  const handler = new QueryHandler(currentIndex, new Forwarder(upstreams, options.upstreamTimeoutMs));
  const dns = new DnsServer(handler, log);
  let serving = false;
  let registered = !options.register;

  const health = await startHealthServer({
    host: options.healthBindAddress,
    port: options.healthPort,
    liveness: { ping: () => {} },
    readiness: {
      "informer-sync": () => {
        if (!serving) throw new Error("caches not synced yet");
      },
      registration: () => {
        if (!registered) throw new Error("kube-dns endpoints not written yet");
      },
    },
    routes: {
      "/metrics": (_req, res) => {
        res.setHeader("content-type", "text/plain");
        res.end(Object.entries(handler.stats).map(([k, v]) => `kates_dns_${k}_total ${v}\n`).join(""));
      },
    },
  });
  const running = [services.start(signal), slices.start(signal)];
  const registration = new EndpointLeases(rest, { clusterIP: options.clusterDnsIP, address: advertise, port: options.port, leaseDurationSeconds: options.leaseDurationSeconds });
  try {
    if (!(await waitForCacheSync(signal, services, slices))) return;
    await dns.start({ host: options.bindAddress, port: options.port });
    serving = true;
    log.info({ address: `${options.bindAddress}:${dns.port}`, healthPort: health.port, upstreams: upstreams.map((u) => `${u.host}:${u.port}`), advertise }, "serving DNS");
    while (options.register && !signal.aborted) {
      try {
        const alive = await registration.tick();
        if (!registered) log.info({ address: advertise, port: options.port }, "registered behind kube-system/kube-dns");
        registered = true;
        log.debug({ alive: [...alive] }, "kube-dns endpoints reconciled");
      } catch (err) {
        // A 409 (another replica wrote first) lands here too: the next tick re-reads.
        log.warn({ err }, "renewing the lease or reconciling kube-dns endpoints failed; retrying");
      }
      await sleep(registered ? options.leaseRenewIntervalMs : Math.min(1000, options.leaseRenewIntervalMs), signal);
    }
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
    if (options.register && registered) {
      await Promise.race([registration.release().then(() => log.info("withdrew from kube-dns endpoints and deleted the lease"), (err) => log.warn({ err }, "withdrawing from kube-dns failed")), sleep(5000)]);
    }
  } finally {
    await dns.close();
    await Promise.allSettled(running);
    await health.close();
    rest.close();
  }
}
