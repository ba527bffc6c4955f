/**
 * The controller-manager: one process running every controller, active only while it holds
 * the `kube-system/kube-controller-manager` Lease, so two replicas can run and the standby
 * takes over when the leader dies. Losing leadership ends the process (as in Kubernetes):
 * a restarted process starts clean from the API, which holds all state.
 */
import { setMaxListeners } from "node:events";
import os from "node:os";
import type { Logger } from "@kates/component-base";
import { startHealthServer } from "@kates/component-base";
import { RestClient, runLeaderElected } from "@kates/client";
import { newControllerContext, type ControllerManagerOptions } from "./controller-context.js";
import { CONTROLLERS, enabledControllers } from "./controllers.js";

export interface RunOptions extends ControllerManagerOptions {
  server: string;
  healthPort: number;
  bindAddress: string;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity?: string;
}

export async function run(options: RunOptions, log: Logger, signal: AbortSignal): Promise<void> {
  const rest = new RestClient({ server: options.server, userAgent: "kates-controller-manager", qps: 200, burst: 400 });
  let leading = false;
  const health = await startHealthServer({
    host: options.bindAddress,
    port: options.healthPort,
    liveness: { ping: () => {} },
    readiness: { apiserver: async () => void (await rest.request({ method: "GET", path: "/readyz", accept: "text/plain" })) },
    routes: { "/leader": (_req, res) => void res.end(leading ? "leader\n" : "standby\n") },
  });
  const identity = options.identity ?? `${os.hostname()}_${process.pid}`;
  const startControllers = async (leaderSignal: AbortSignal) => {
    leading = true;
    // Every informer and worker loop listens on this one signal; dozens is expected, not a leak.
    setMaxListeners(0, leaderSignal);
    const ctx = newControllerContext(rest, options, log);
    const controllers = enabledControllers(CONTROLLERS, options.controllers).map((d) => {
      log.info({ controller: d.name }, "starting controller");
      return d.create({ ...ctx, log: log.child({ controller: d.name }) });
    });
    ctx.informers.start(leaderSignal);
    await Promise.all(controllers.map((c) => c.run(leaderSignal)));
  };
  try {
    await runLeaderElected({
      enabled: options.leaderElect,
      client: rest,
      name: "kube-controller-manager",
      namespace: "kube-system",
      identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      logger: log,
    }, startControllers, signal);
  } finally {
    await health.close();
    rest.close();
  }
}
