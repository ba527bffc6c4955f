// Helpers of the controllers-cluster suites: the controller-manager run in-process (its
// exported `run`, no leader election) and small polling utilities.
import { newLogger } from "@kates/component-base";
import { run, type RunOptions } from "../../../packages/controller-manager/src/controller-manager.js";

/** Lab defaults of the controller-manager, as main.ts sets them. */
export const CM_DEFAULTS: Omit<RunOptions, "server" | "controllers"> = {
  bindAddress: "127.0.0.1",
  healthPort: 0,
  workers: 5,
  leaderElect: false,
  leaseDurationMs: 4000,
  renewDeadlineMs: 3000,
  retryPeriodMs: 1000,
  nodeMonitorGracePeriodMs: 4000,
  nodeMonitorPeriodMs: 1000,
  clusterCIDR: "10.244.0.0/16",
  nodeCIDRMaskSize: 24,
};

/** An in-process controller-manager; `stop` aborts it and waits until it returned. */
export interface InProcessControllerManager {
  stop(): Promise<void>;
}

/** Starts the controller-manager's `run` with only `controllers` enabled. */
export function startControllerManager(server: string, controllers: string[], overrides: Partial<RunOptions> = {}): InProcessControllerManager {
  const ac = new AbortController();
  const log = newLogger("kates-controller-manager", process.env.KATES_TEST_LOG ?? "silent");
  const done = run({ ...CM_DEFAULTS, ...overrides, server, controllers }, log, ac.signal).catch((err) => {
    if (!ac.signal.aborted) console.error("controller-manager failed", err);
  });
  return {
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** Polls `get` until it returns something other than undefined (errors count as undefined). */
export async function until<T>(get: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(get).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves true once `get` rejects with 404 (the object is gone). */
export async function gone(get: () => Promise<unknown>, timeoutMs = 15_000, what = "object"): Promise<true> {
  return until(async () => {
    try {
      await get();
      return undefined;
    } catch (err) {
      return (err as { code?: number }).code === 404 ? true : undefined;
    }
  }, timeoutMs, `${what} gone`);
}
