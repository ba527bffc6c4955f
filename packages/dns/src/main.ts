#!/usr/bin/env node
/** kates-dns entry point: flags, then run() (dns.ts). */
import { parseDuration, runDaemon } from "@kates/component-base";
import { run, type RunOptions } from "./dns.js";
import { leaseTimes } from "./endpoint-leases.js";

runDaemon<RunOptions>({
  name: "kates-dns",
  summary: "cluster DNS: answers Service and pod names of the cluster domain, forwards the rest",
  flags: {
    server: { type: "string", default: "http://127.0.0.1:6443", help: "apiserver URL" },
    "bind-address": { type: "string", default: "0.0.0.0", help: "address to serve DNS on (UDP and TCP)" },
    port: { type: "string", default: "53", help: "port to serve DNS on (0: any free port)" },
    "health-bind-address": { type: "string", default: "127.0.0.1", help: "address of the /healthz, /readyz and /metrics server" },
    "health-port": { type: "string", default: "8181", help: "port of /healthz, /readyz and /metrics (0: any free port)" },
    "cluster-domain": { type: "string", default: "cluster.local", help: "the domain answered from the cluster's Services" },
    ttl: { type: "string", default: "5", help: "TTL of cluster answers, seconds" },
    upstream: { type: "string", default: "", help: "comma-separated upstream resolvers (IP or IP:PORT); empty: /etc/resolv.conf's nameservers that are not this server" },
    "upstream-timeout": { type: "string", default: "2s", help: "how long to wait for one upstream before trying the next" },
    "advertise-address": { type: "string", default: "", help: "the address pods reach this server at, written to kube-dns' endpoints (default: first non-internal IPv4)" },
    register: { type: "boolean", default: true, help: "create kube-system/kube-dns and keep this server in its EndpointSlices and Endpoints" },
    "no-register": { type: "boolean", default: false, help: "do not touch kube-dns (several servers behind a hand-made Service, tests)" },
    "cluster-dns-ip": { type: "string", default: "10.96.0.10", help: "ClusterIP of the kube-dns Service (the kubelets' --cluster-dns)" },
    "lease-renew-interval": { type: "string", default: "10s", help: "how often this server renews its Lease kube-system/kates-dns-<address> and reconciles kube-dns' endpoints to the servers with unexpired Leases" },
    "lease-duration": { type: "string", default: "30s", help: "how long a server's Lease stays valid after its last renewal (whole seconds, longer than --lease-renew-interval); a server that crashed leaves kube-dns' endpoints this long after its last renewal" },
    "log-level": { type: "string", default: "info", help: "trace, debug, info, warn or error" },
  },
  options: (v) => {
    const num = (k: string) => {
      const n = Number(v[k]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${k} must be a non-negative integer`);
      return n;
    };
    return {
      server: String(v.server),
      bindAddress: String(v["bind-address"]),
      port: num("port"),
      healthBindAddress: String(v["health-bind-address"]),
      healthPort: num("health-port"),
      clusterDomain: String(v["cluster-domain"]).replace(/\.$/, ""),
      ttl: num("ttl"),
      upstreams: String(v.upstream).split(",").map((s) => s.trim()).filter(Boolean),
      upstreamTimeoutMs: parseDuration(String(v["upstream-timeout"])),
      advertiseAddress: String(v["advertise-address"]),
      register: v["no-register"] ? false : Boolean(v.register),
      clusterDnsIP: String(v["cluster-dns-ip"]),
      ...leaseTimes(String(v["lease-renew-interval"]), String(v["lease-duration"])),
    };
  },
  run,
});
