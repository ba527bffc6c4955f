/**
 * Per-Service health checks for load balancers (Kubernetes' service health server). A LoadBalancer
 * Service with externalTrafficPolicy Local only answers on nodes that run one of its endpoints, so
 * the apiserver gives it a spec.healthCheckNodePort and every kube-proxy serves HTTP there: 200
 * while this node has ready local endpoints, 503 otherwise, so the load balancer sends traffic only
 * to nodes that will not drop it. Mode-independent: fed from the controller after each sync.
 */
import http from "node:http";
import type { Logger } from "@kates/component-base";
import type { ServicePortInfo } from "../types.js";

/** What one health check port reports. */
export interface ServiceHealth {
  namespace: string;
  name: string;
  /** Ready endpoints of the Service on this node. */
  localEndpoints: number;
}

/**
 * The health check ports the service map asks for, with each Service's ready local endpoints,
 * counted once per address (Kubernetes sums over the Service's ports, so a two-port Service with
 * one pod reports 2 there; only zero versus non-zero matters to a load balancer).
 */
export function serviceHealthChecks(ports: ServicePortInfo[], nodeName: string): Map<number, ServiceHealth> {
  const out = new Map<number, ServiceHealth & { ips: Set<string> }>();
  for (const sp of ports) {
    if (sp.healthCheckNodePort === undefined) continue;
    let h = out.get(sp.healthCheckNodePort);
    if (!h) out.set(sp.healthCheckNodePort, (h = { namespace: sp.namespace, name: sp.name, localEndpoints: 0, ips: new Set() }));
    // Terminating endpoints still carry traffic when nothing is ready, but a draining node must report unhealthy.
    if (sp.terminatingFallback) continue;
    for (const ep of sp.endpoints) if (ep.nodeName !== undefined && ep.nodeName === nodeName) h.ips.add(ep.ip);
  }
  return new Map([...out].map(([port, { ips, ...h }]) => [port, { ...h, localEndpoints: ips.size }]));
}

/** Options of the server. */
export interface ServiceHealthServerOptions {
  /** Address the listeners bind (default 0.0.0.0: every address of the node, like Kubernetes). */
  host?: string;
  /** Whether the proxy itself is healthy (its rules are current); false answers 503 too. */
  proxyHealthy?: () => boolean;
}

interface Listener {
  server: http.Server;
  state: ServiceHealth;
}

/** One HTTP listener per healthCheckNodePort, opened and closed as Services come and go. */
export class ServiceHealthServer {
  private readonly listeners = new Map<number, Listener>();
  /** Ports that failed to bind, so the log says it once, not every sync. */
  private readonly failed = new Set<number>();

  constructor(
    private readonly log: Logger,
    private readonly opts: ServiceHealthServerOptions = {},
  ) {}

  /** Ports currently listened on. */
  ports(): number[] {
    return [...this.listeners.keys()].sort((a, b) => a - b);
  }

  /** Makes the listeners match `checks`; a port that cannot be bound is retried at the next sync. */
  async sync(checks: Map<number, ServiceHealth>): Promise<void> {
    for (const [port, l] of this.listeners) {
      if (checks.has(port)) continue;
      this.listeners.delete(port);
      await closeServer(l.server);
      this.log.info({ port, service: `${l.state.namespace}/${l.state.name}` }, "closed service health check port");
    }
    for (const port of this.failed) if (!checks.has(port)) this.failed.delete(port);
    for (const [port, state] of checks) {
      const l = this.listeners.get(port);
      if (l) {
        l.state = state;
        continue;
      }
      const entry: Listener = { server: http.createServer((req, res) => this.answer(entry, req, res)), state };
      try {
        await listen(entry.server, port, this.opts.host ?? "0.0.0.0");
      } catch (err) {
        if (!this.failed.has(port)) this.log.warn({ err, port, service: `${state.namespace}/${state.name}` }, "cannot listen on a service health check port");
        this.failed.add(port);
        continue;
      }
      this.failed.delete(port);
      this.listeners.set(port, entry);
      this.log.info({ port, service: `${state.namespace}/${state.name}` }, "serving service health check port");
    }
  }

  /** Closes every listener. */
  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => closeServer(l.server)));
  }

  private answer(l: Listener, _req: http.IncomingMessage, res: http.ServerResponse): void {
    const { namespace, name, localEndpoints } = l.state;
    const serviceProxyHealthy = this.opts.proxyHealthy?.() ?? true;
    const body = JSON.stringify({ service: { namespace, name }, localEndpoints, serviceProxyHealthy });
    res.writeHead(localEndpoints > 0 && serviceProxyHealthy ? 200 : 503, {
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
      "x-load-balancing-endpoint-weight": String(localEndpoints),
    });
    res.end(body);
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Load balancers poll with keep-alive; do not let an idle connection hold the port open.
    server.closeAllConnections();
  });
}
