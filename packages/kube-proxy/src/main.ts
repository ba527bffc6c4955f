#!/usr/bin/env node
/** kates-kube-proxy entry point: flags, then run() (run.ts). */
import os from "node:os";
import { parseDuration, runDaemon } from "@kates/component-base";
import { splitWords } from "./exec.js";
import { run, type RunOptions } from "./run.js";

runDaemon<RunOptions>({
  name: "kates-kube-proxy",
  summary: "makes Services reachable on this node: iptables rules (or a userspace proxy) for ClusterIPs, NodePorts and LoadBalancer IPs",
  flags: {
    server: { type: "string", default: "http://127.0.0.1:6443", help: "apiserver URL" },
    kubeconfig: { type: "string", default: "", help: "kubeconfig file (overrides --server)" },
    "hostname-override": { type: "string", default: "", help: "name of this node (default: the host name)" },
    "proxy-mode": { type: "string", default: "iptables", help: "iptables or userspace (iptables falls back to userspace when iptables-restore is unusable)" },
    "cluster-cidr": { type: "string", default: "10.244.0.0/16", help: "pod network; ClusterIP traffic from outside it is masqueraded (\"\": none)" },
    "masquerade-all": { type: "boolean", default: false, help: "masquerade all ClusterIP traffic" },
    "masquerade-fully-random": { type: "boolean", default: false, help: "MASQUERADE with --random-fully (random source ports; default keeps the client's port when free, see rules.ts)" },
    cleanup: { type: "boolean", default: false, help: "remove every rule, chain and address kube-proxy installed, then exit" },
    "bind-address": { type: "string", default: "0.0.0.0", help: "address of the /healthz and /metrics server" },
    "healthz-port": { type: "string", default: "10256", help: "port of /healthz and /metrics (0: any free port)" },
    "sync-period": { type: "string", default: "30s", help: "how often the kernel state is verified and repaired" },
    "min-sync-period": { type: "string", default: "100ms", help: "least time between two syncs, so bursts of changes coalesce (0: none)" },
    "iptables-cmd-prefix": { type: "string", default: "", help: "test seam: run iptables/ip/conntrack through this command, e.g. \"ip netns exec NS\"" },
    "log-level": { type: "string", default: "info", help: "trace, debug, info, warn or error" },
  },
  options: (v) => {
    const mode = String(v["proxy-mode"]);
    if (mode !== "iptables" && mode !== "userspace") throw new Error(`--proxy-mode must be iptables or userspace, not ${JSON.stringify(mode)}`);
    const port = Number(v["healthz-port"]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --healthz-port ${JSON.stringify(v["healthz-port"])}`);
    const cidr = String(v["cluster-cidr"]);
    if (cidr && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) throw new Error(`invalid --cluster-cidr ${JSON.stringify(cidr)}`);
    return {
      server: String(v.server),
      ...(v.kubeconfig && { kubeconfig: String(v.kubeconfig) }),
      nodeName: String(v["hostname-override"] || os.hostname()).toLowerCase(),
      proxyMode: mode,
      clusterCIDR: cidr,
      masqueradeAll: Boolean(v["masquerade-all"]),
      masqueradeFullyRandom: Boolean(v["masquerade-fully-random"]),
      cleanup: Boolean(v.cleanup),
      bindAddress: String(v["bind-address"]),
      healthzPort: port,
      syncPeriodMs: parseDuration(String(v["sync-period"])),
      minSyncPeriodMs: parseDuration(String(v["min-sync-period"])),
      cmdPrefix: splitWords(String(v["iptables-cmd-prefix"])),
    };
  },
  run,
});
