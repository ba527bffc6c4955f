/** The daemon: picks the proxy mode, serves /healthz and /metrics, runs the controller; or --cleanup. */
import { loadClientConfig, RestClient } from "@kates/client";
import { startHealthServer, type Logger } from "@kates/component-base";
import { execCommand } from "./exec.js";
import { serviceHealthChecks, ServiceHealthServer } from "./healthcheck/service-health-server.js";
import { Iptables } from "./iptables/iptables.js";
import { IptablesProxier } from "./iptables/proxier-iptables.js";
import type { Proxier } from "./proxier.js";
import { ProxyController, type ProxyStatus } from "./proxy.js";
import { LoopbackAddresses } from "./userspace/loopback.js";
import { UserspaceProxier } from "./userspace/proxier-userspace.js";

/** Parsed flags of kates-kube-proxy. */
export interface RunOptions {
  server: string;
  kubeconfig?: string;
  nodeName: string;
  proxyMode: "iptables" | "userspace";
  clusterCIDR: string;
  masqueradeAll: boolean;
  masqueradeFullyRandom: boolean;
  cleanup: boolean;
  bindAddress: string;
  healthzPort: number;
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  /** Test seam: run iptables, ip and conntrack through this command (e.g. `ip netns exec NS`). */
  cmdPrefix: string[];
}

/** Removes everything kube-proxy may have installed in either mode. */
export async function cleanup(opts: Pick<RunOptions, "cmdPrefix">, log: Logger): Promise<void> {
  const iptables = new Iptables(opts.cmdPrefix);
  const probe = await iptables.probe();
  if (probe) log.warn({ reason: probe }, "iptables unusable, skipping iptables cleanup");
  else log.info(await iptables.cleanup(), "removed iptables jumps and KATES- chains");
  // iptables mode turned route_localnet on for localhost NodePorts; a cleaned-up node goes back to the kernel default.
  const [cmd, ...args] = [...opts.cmdPrefix, "sysctl", "-w", "net.ipv4.conf.all.route_localnet=0"];
  if ((await execCommand(cmd!, args)).code !== 0) log.warn("could not reset route_localnet");
  const addrs = await new LoopbackAddresses(opts.cmdPrefix).removeAll();
  log.info({ addresses: addrs }, "removed userspace-mode loopback addresses");
}

async function chooseProxier(opts: RunOptions, log: Logger): Promise<Proxier> {
  const userspace = () => new UserspaceProxier(new LoopbackAddresses(opts.cmdPrefix), log, opts.nodeName);
  if (opts.proxyMode === "userspace") return userspace();
  const iptables = new Iptables(opts.cmdPrefix);
  const problem = await iptables.probe();
  if (problem) {
    log.warn({ reason: problem }, "iptables is not usable here, falling back to the userspace proxy");
    return userspace();
  }
  return new IptablesProxier(iptables, { clusterCIDR: opts.clusterCIDR, masqueradeAll: opts.masqueradeAll, masqueradeFullyRandom: opts.masqueradeFullyRandom, nodeName: opts.nodeName }, log, opts.cmdPrefix);
}

/** /healthz body, shaped like Kubernetes' kube-proxy one plus our counters. */
function healthBody(s: ProxyStatus, syncPeriodMs: number): { healthy: boolean; body: Record<string, unknown> } {
  const now = Date.now();
  // Healthy once a sync has succeeded and one keeps succeeding at least every two sync periods.
  const healthy = s.lastSyncAt > 0 && now - s.lastSyncAt < 2 * syncPeriodMs + 10_000;
  return {
    healthy,
    body: {
      lastUpdated: s.lastSyncAt ? new Date(s.lastSyncAt).toISOString() : "",
      currentTime: new Date(now).toISOString(),
      mode: s.mode,
      lastSyncedServices: s.servicePorts,
      lastSyncedEndpoints: s.endpoints,
      lastSyncAt: s.lastSyncAt,
      lastAppliedAt: s.lastAppliedAt,
      lastSyncMs: s.lastSyncMs,
      lastApplied: s.lastApplied ?? {},
      syncs: s.syncs,
      applies: s.applies,
      skipped: s.skipped,
      failures: s.failures,
      repairs: s.repairs,
    },
  };
}

function metricsText(s: ProxyStatus): string {
  const m: Record<string, number> = {
    sync_total: s.syncs, apply_total: s.applies, skipped_total: s.skipped, sync_failures_total: s.failures, repairs_total: s.repairs,
    last_sync_timestamp_seconds: s.lastSyncAt / 1000, last_apply_timestamp_seconds: s.lastAppliedAt / 1000,
    last_sync_duration_seconds: s.lastSyncMs / 1000, service_ports: s.servicePorts, endpoints: s.endpoints,
  };
  return Object.entries(m).map(([k, v]) => `kates_kube_proxy_${k}{mode="${s.mode}"} ${v}\n`).join("");
}

/** Runs kates-kube-proxy until `signal` aborts (or, with --cleanup, cleans up and returns). */
export async function run(opts: RunOptions, log: Logger, signal: AbortSignal): Promise<void> {
  if (opts.cleanup) return cleanup(opts, log);
  const config = opts.kubeconfig ? { ...loadClientConfig({ kubeconfig: opts.kubeconfig }) } : { server: opts.server };
  const rest = new RestClient({ ...config, userAgent: "kates-kube-proxy", qps: 0 });
  const proxier = await chooseProxier(opts, log);
  // Health check ports answer in both modes; they report the proxy unhealthy as /healthz does.
  const serviceHealth = new ServiceHealthServer(log, { proxyHealthy: () => healthBody(controller.status, opts.syncPeriodMs).healthy });
  const controller: ProxyController = new ProxyController(rest, proxier, log, {
    nodeName: opts.nodeName,
    syncPeriodMs: opts.syncPeriodMs,
    minSyncPeriodMs: opts.minSyncPeriodMs,
    afterSync: (ports) => serviceHealth.sync(serviceHealthChecks(ports, opts.nodeName)),
  });
  const health = await startHealthServer({
    host: opts.bindAddress,
    port: opts.healthzPort,
    routes: {
      "/healthz": (_req, res) => {
        const { healthy, body } = healthBody(controller.status, opts.syncPeriodMs);
        res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
      },
      "/metrics": (_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end(metricsText(controller.status)),
    },
  });
  log.info({ mode: proxier.mode, node: opts.nodeName, healthz: `${opts.bindAddress}:${health.port}`, server: rest.server.href }, "kube-proxy starting");
  try {
    await controller.run(signal);
  } finally {
    await serviceHealth.close();
    await proxier.close();
    await health.close();
    rest.close();
  }
}
