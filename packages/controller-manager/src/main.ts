#!/usr/bin/env node
/** kates-controller-manager entry point: flags, then run() (controller-manager.ts). */
import { parseDuration, runDaemon } from "@kates/component-base";
import { run, type RunOptions } from "./controller-manager.js";
import { parseMaxEndpointsPerSlice } from "./controllers/endpointslice/slice-placement.js";
import { IpPool } from "./controllers/servicelb/ip-pool.js";

/** Fails flag parsing (exit 2 with usage) on a malformed pool instead of at controller start. */
const validPool = (s: string) => (s.trim() ? new IpPool(s).spec : "");

runDaemon<RunOptions>({
  name: "kates-controller-manager",
  summary: "runs the controllers that move the cluster toward its desired state",
  flags: {
    server: { type: "string", default: "http://127.0.0.1:6443", help: "apiserver URL" },
    "bind-address": { type: "string", default: "127.0.0.1", help: "address of the /healthz server" },
    "health-port": { type: "string", default: "10257", help: "port of /healthz, /readyz and /leader (0: any free port)" },
    controllers: { type: "string", default: "*", help: "comma-separated controllers to run; * for all, -name to disable one" },
    "concurrent-syncs": { type: "string", default: "5", help: "workers per controller" },
    "leader-elect": { type: "boolean", default: true, help: "hold the kube-system/kube-controller-manager Lease before acting" },
    "no-leader-elect": { type: "boolean", default: false, help: "run without leader election (one replica only)" },
    "leader-elect-lease-duration": { type: "string", default: "4s", help: "Lease duration (Kubernetes: 15s)" },
    "leader-elect-renew-deadline": { type: "string", default: "3s", help: "give up leadership when not renewed within this (Kubernetes: 10s)" },
    "leader-elect-retry-period": { type: "string", default: "1s", help: "how often to try to acquire or renew (Kubernetes: 2s)" },
    "node-monitor-grace-period": { type: "string", default: "4s", help: "unrenewed node Lease age before the node is Unknown (Kubernetes: 40s)" },
    "node-monitor-period": { type: "string", default: "1s", help: "how often node health is checked (Kubernetes: 5s)" },
    "cluster-cidr": { type: "string", default: "10.244.0.0/16", help: "pod network, split into per-node podCIDRs" },
    "node-cidr-mask-size": { type: "string", default: "24", help: "prefix length of each node's podCIDR" },
    "load-balancer-ip-pool": { type: "string", default: "", help: "addresses for LoadBalancer Services, a CIDR (172.31.255.0/28) or A-B range; empty: they stay <pending>" },
    "max-endpoints-per-slice": { type: "string", default: "100", help: "endpoints per EndpointSlice before another slice is started (1..1000)" },
    "log-level": { type: "string", default: "info", help: "trace, debug, info, warn or error" },
  },
  options: (v) => ({
    server: String(v.server),
    bindAddress: String(v["bind-address"]),
    healthPort: Number(v["health-port"]),
    controllers: String(v.controllers).split(",").map((s) => s.trim()).filter(Boolean),
    workers: Number(v["concurrent-syncs"]),
    leaderElect: v["no-leader-elect"] ? false : Boolean(v["leader-elect"]),
    leaseDurationMs: parseDuration(String(v["leader-elect-lease-duration"])),
    renewDeadlineMs: parseDuration(String(v["leader-elect-renew-deadline"])),
    retryPeriodMs: parseDuration(String(v["leader-elect-retry-period"])),
    nodeMonitorGracePeriodMs: parseDuration(String(v["node-monitor-grace-period"])),
    nodeMonitorPeriodMs: parseDuration(String(v["node-monitor-period"])),
    clusterCIDR: String(v["cluster-cidr"]),
    nodeCIDRMaskSize: Number(v["node-cidr-mask-size"]),
    loadBalancerIPPool: validPool(String(v["load-balancer-ip-pool"])),
    maxEndpointsPerSlice: parseMaxEndpointsPerSlice(String(v["max-endpoints-per-slice"])),
  }),
  run,
});
