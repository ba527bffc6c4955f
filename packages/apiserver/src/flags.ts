/**
 * Command-line flags of kates-apiserver, named after kube-apiserver's where one exists.
 */
import { parseArgs } from "node:util";
import { parseDuration } from "@kates/component-base";
import type { ApiServerOptions } from "./server.js";

export const usage = `kates-apiserver: a Kubernetes-compatible REST API over an etcd cluster.

Usage: kates-apiserver [flags]

Flags:
  --etcd-servers string                 comma-separated etcd client URLs (default "http://127.0.0.1:2379")
  --bind-address string                 address to listen on (default "127.0.0.1")
  --port int                            port to serve the API on, plain HTTP for now (default 6443)
  --advertise-address string            address other components and the kubernetes Service use (default: bind address)
  --service-cluster-ip-range string     CIDR to allocate Service cluster IPs from (default "10.96.0.0/12")
  --service-node-port-range string      port range for NodePort Services (default "30000-32767")
  --etcd-compaction-interval duration   how often to compact etcd history, e.g. 5m, 30s; 0 disables (default 5m)
  --watch-cache-size int                events each resource's watch cache keeps in memory (default 10000)
  --bookmark-interval duration          how often watches that allow bookmarks get one (default 10s)
  --min-request-timeout int             watches without timeoutSeconds last between this and twice this, in seconds (default 1800)
  --endpoint-lease-ttl int              seconds an apiserver stays in the kubernetes Endpoints after it stops (default 15)
  --default-not-ready-toleration-seconds int    tolerationSeconds added to pods for node.kubernetes.io/not-ready (default 2; Kubernetes: 300)
  --default-unreachable-toleration-seconds int  tolerationSeconds added to pods for node.kubernetes.io/unreachable (default 2; Kubernetes: 300)
  --log-level string                    trace, debug, info, warn or error (default "info")
  -h, --help                            show this help
`;

export function parseFlags(argv: string[]): { options: ApiServerOptions; logLevel: string; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      "etcd-servers": { type: "string", default: "http://127.0.0.1:2379" },
      "bind-address": { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "6443" },
      "secure-port": { type: "string" },
      "advertise-address": { type: "string" },
      "service-cluster-ip-range": { type: "string", default: "10.96.0.0/12" },
      "service-node-port-range": { type: "string", default: "30000-32767" },
      "etcd-compaction-interval": { type: "string", default: "5m" },
      "watch-cache-size": { type: "string", default: "10000" },
      "bookmark-interval": { type: "string", default: "10s" },
      "min-request-timeout": { type: "string", default: "1800" },
      "endpoint-lease-ttl": { type: "string", default: "15" },
      "default-not-ready-toleration-seconds": { type: "string", default: "2" },
      "default-unreachable-toleration-seconds": { type: "string", default: "2" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const bindAddress = values["bind-address"]!;
  const options: ApiServerOptions = {
    etcdServers: values["etcd-servers"]!.split(",").map((s) => s.trim()).filter(Boolean),
    bindAddress,
    port: int("port", values["secure-port"] ?? values.port!),
    advertiseAddress: values["advertise-address"] ?? (bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress),
    serviceClusterIPRange: values["service-cluster-ip-range"]!,
    serviceNodePortRange: values["service-node-port-range"]!,
    etcdCompactionIntervalMs: parseDuration(values["etcd-compaction-interval"]!),
    watchCacheSize: int("watch-cache-size", values["watch-cache-size"]!),
    bookmarkIntervalMs: parseDuration(values["bookmark-interval"]!),
    minRequestTimeoutSeconds: int("min-request-timeout", values["min-request-timeout"]!),
    endpointLeaseTTLSeconds: int("endpoint-lease-ttl", values["endpoint-lease-ttl"]!),
    notReadyTolerationSeconds: int("default-not-ready-toleration-seconds", values["default-not-ready-toleration-seconds"]!),
    unreachableTolerationSeconds: int("default-unreachable-toleration-seconds", values["default-unreachable-toleration-seconds"]!),
  };
  return { options, logLevel: values["log-level"]!, help: values.help! };
}
