#!/usr/bin/env node
/** kates-scheduler entry point: flags, then run() (scheduler.ts). */
import { parseDuration, runDaemon } from "@kates/component-base";
import { run, type RunOptions } from "./scheduler.js";

runDaemon<RunOptions>({
  name: "kates-scheduler",
  summary: "assigns pending pods to nodes",
  flags: {
    server: { type: "string", default: "http://127.0.0.1:6443", help: "apiserver URL" },
    "bind-address": { type: "string", default: "127.0.0.1", help: "address of the /healthz server" },
    "health-port": { type: "string", default: "10259", help: "port of /healthz, /readyz, /leader and /metrics (0: any free port)" },
    "leader-elect": { type: "boolean", default: true, help: "hold the kube-system/kube-scheduler Lease before scheduling" },
    "no-leader-elect": { type: "boolean", default: false, help: "run without leader election (one replica only)" },
    "leader-elect-lease-duration": { type: "string", default: "4s", help: "Lease duration (Kubernetes: 15s)" },
    "leader-elect-renew-deadline": { type: "string", default: "3s", help: "give up leadership when not renewed within this (Kubernetes: 10s)" },
    "leader-elect-retry-period": { type: "string", default: "1s", help: "how often to try to acquire or renew (Kubernetes: 2s)" },
    parallelism: { type: "string", default: "32", help: "bindings in flight at once" },
    "percentage-of-nodes-to-score": { type: "string", default: "0", help: "share of nodes to find feasible before scoring; 0 is adaptive (50% minus 1% per 125 nodes, at least 100 nodes)" },
    "kube-api-qps": { type: "string", default: "1000", help: "client-side limit on requests per second for bindings (0: none; Kubernetes: 50)" },
    "kube-api-burst": { type: "string", default: "2000", help: "burst for --kube-api-qps (Kubernetes: 100)" },
    "log-level": { type: "string", default: "info", help: "trace, debug, info, warn or error" },
  },
  options: (v) => ({
    server: String(v.server),
    bindAddress: String(v["bind-address"]),
    healthPort: Number(v["health-port"]),
    leaderElect: v["no-leader-elect"] ? false : Boolean(v["leader-elect"]),
    leaseDurationMs: parseDuration(String(v["leader-elect-lease-duration"])),
    renewDeadlineMs: parseDuration(String(v["leader-elect-renew-deadline"])),
    retryPeriodMs: parseDuration(String(v["leader-elect-retry-period"])),
    parallelism: Number(v.parallelism),
    percentageOfNodesToScore: Number(v["percentage-of-nodes-to-score"]),
    qps: Number(v["kube-api-qps"]),
    burst: Number(v["kube-api-burst"]),
  }),
  run,
});
