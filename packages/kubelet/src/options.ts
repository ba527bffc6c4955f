/** kates-kubelet's flags and the options they turn into. */
import { hostname } from "node:os";
import { parseDuration, type Flags } from "@kates/component-base";

/** Everything `run` needs; tests build this directly. */
export interface KubeletOptions {
  server: string;
  nodeName: string;
  /** InternalIP; empty: the first non-internal IPv4 address. */
  nodeIP: string;
  port: number;
  /** Address the kubelet server listens on (default 0.0.0.0). */
  address: string;
  runtimeEndpoint: string;
  rootDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  hollow: boolean;
  /** With hollow: run this many nodes named `${nodeName}-i`; 0: one node named nodeName. */
  hollowNodes: number;
  hollowCpu: string;
  hollowMemory: string;
  hollowPods: number;
  leaseRenewMs: number;
  nodeStatusUpdateMs: number;
  crashLoopBackoffBaseMs: number;
  crashLoopBackoffMaxMs: number;
  imagePullBackoffMaxMs: number;
  /** PLEG relist period. */
  relistMs: number;
  /**
   * host-gw: pods get addresses from the node's spec.podCIDR (UpdateRuntimeConfig; pods wait
   * for it) and the network agent routes other nodes' podCIDRs; none: the runtime's default
   * network (Docker's bridge), no routes, no rules. The flag's default is host-gw; options
   * built in code without it (older tests) mean none.
   */
  podNetwork?: "host-gw" | "none";
  /** The whole pod network; host-gw masquerades pod traffic leaving it and accepts forwarding within it. */
  clusterCIDR?: string;
  /** Route protocol number that tags our routes. */
  routeProtocol?: number;
  /** Remove our routes and iptables rules, then exit. */
  cleanupNetwork?: boolean;
}

/** The flag table; --help is generated from it. */
export const KUBELET_FLAGS: Flags = {
  server: { type: "string", default: "http://127.0.0.1:6443", help: "apiserver URL" },
  "node-name": { type: "string", default: "", help: "name of this node (default: the hostname)" },
  "node-ip": { type: "string", default: "", help: "InternalIP to report (default: first non-internal IPv4 address)" },
  port: { type: "string", default: "10250", help: "port of the kubelet server (logs, exec, port-forward)" },
  address: { type: "string", default: "0.0.0.0", help: "address the kubelet server listens on" },
  "runtime-endpoint": { type: "string", default: "unix:///run/kates/runtime-shim.sock", help: "gRPC endpoint of the runtime shim" },
  "root-dir": { type: "string", default: "/var/lib/kates/kubelet", help: "directory for pod volumes" },
  "cluster-dns": { type: "string", default: "", help: "comma-separated DNS server IPs for pods" },
  "cluster-domain": { type: "string", default: "cluster.local", help: "cluster DNS domain" },
  hollow: { type: "boolean", default: false, help: "run without a runtime: register the node and report bound pods Running" },
  "hollow-nodes": { type: "string", default: "0", help: "with --hollow: run this many nodes named <node-name>-<i>" },
  "hollow-cpu": { type: "string", default: "4", help: "hollow node CPU capacity" },
  "hollow-memory": { type: "string", default: "16Gi", help: "hollow node memory capacity" },
  "hollow-pods": { type: "string", default: "110", help: "hollow node pod capacity" },
  "node-lease-renew-interval": { type: "string", default: "1s", help: "how often the node Lease is renewed (Kubernetes: 10s)" },
  "node-status-update-frequency": { type: "string", default: "10s", help: "how often node status is posted" },
  "crashloop-backoff-base": { type: "string", default: "10s", help: "first CrashLoopBackOff delay, doubling per restart" },
  "crashloop-backoff-max": { type: "string", default: "300s", help: "CrashLoopBackOff cap" },
  "image-pull-backoff-max": { type: "string", default: "60s", help: "ImagePullBackOff cap" },
  "pleg-relist-period": { type: "string", default: "1s", help: "how often the runtime is relisted for changes" },
  "pod-network": { type: "string", default: "host-gw", help: "host-gw (pod IPs from the node's podCIDR, routes to other nodes) or none (the runtime's default network)" },
  "cluster-cidr": { type: "string", default: "10.244.0.0/16", help: "pod network of the whole cluster (host-gw: masquerade leaving it, forward within it)" },
  "pod-network-route-protocol": { type: "string", default: "75", help: "route protocol number tagging host-gw routes (ip route show proto N)" },
  "cleanup-network": { type: "boolean", default: false, help: "remove the host-gw routes and iptables rules, then exit" },
  "log-level": { type: "string", default: "info", help: "log level (debug, info, warn, error)" },
};

function int(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: not a non-negative integer: ${String(v)}`);
  return n;
}

function podNetworkMode(v: string): "host-gw" | "none" {
  if (v !== "host-gw" && v !== "none") throw new Error(`--pod-network: host-gw or none, not ${JSON.stringify(v)}`);
  return v;
}

function routeProtocol(v: unknown): number {
  const n = int(v, "pod-network-route-protocol");
  // 0-4 are the kernel's own (unspec, redirect, kernel, boot, static).
  if (n < 5 || n > 255) throw new Error("--pod-network-route-protocol: a number from 5 to 255");
  return n;
}

/** Turns parsed flag values into KubeletOptions. */
export function kubeletOptions(v: Record<string, string | boolean | string[] | undefined>): KubeletOptions {
  const s = (k: string) => String(v[k] ?? "");
  return {
    server: s("server"),
    nodeName: s("node-name") || hostname().toLowerCase(),
    nodeIP: s("node-ip"),
    port: int(v.port, "port"),
    address: s("address"),
    runtimeEndpoint: s("runtime-endpoint"),
    rootDir: s("root-dir"),
    clusterDNS: s("cluster-dns").split(",").map((x) => x.trim()).filter(Boolean),
    clusterDomain: s("cluster-domain"),
    hollow: v.hollow === true,
    hollowNodes: int(v["hollow-nodes"], "hollow-nodes"),
    hollowCpu: s("hollow-cpu"),
    hollowMemory: s("hollow-memory"),
    hollowPods: int(v["hollow-pods"], "hollow-pods"),
    leaseRenewMs: parseDuration(s("node-lease-renew-interval")),
    nodeStatusUpdateMs: parseDuration(s("node-status-update-frequency")),
    crashLoopBackoffBaseMs: parseDuration(s("crashloop-backoff-base")),
    crashLoopBackoffMaxMs: parseDuration(s("crashloop-backoff-max")),
    imagePullBackoffMaxMs: parseDuration(s("image-pull-backoff-max")),
    relistMs: parseDuration(s("pleg-relist-period")),
    podNetwork: podNetworkMode(s("pod-network")),
    clusterCIDR: s("cluster-cidr"),
    routeProtocol: routeProtocol(v["pod-network-route-protocol"]),
    cleanupNetwork: v["cleanup-network"] === true,
  };
}
