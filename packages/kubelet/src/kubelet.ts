/** The kubelet's entry point: hollow nodes, or the real node agent over the runtime shim. */
import type { Logger } from "@kates/component-base";
import { startHollowNodes } from "./hollow.js";
import type { KubeletOptions } from "./options.js";

/** Runs the kubelet until `signal` aborts. */
export async function run(options: KubeletOptions, log: Logger, signal: AbortSignal): Promise<void> {
  if (options.hollow) {
    const hollow = await startHollowNodes({
      server: options.server,
      ...(options.hollowNodes > 0 ? { namePrefix: options.nodeName, count: options.hollowNodes } : { nodeNames: [options.nodeName] }),
      cpu: options.hollowCpu,
      memory: options.hollowMemory,
      pods: options.hollowPods,
      leaseRenewMs: options.leaseRenewMs,
      kubeletPort: options.port,
      log,
      signal,
    });
    await hollow.done;
    return;
  }
  throw new Error("the runtime-backed kubelet is not built yet; use --hollow");
}
