/** The kubelet's entry point: hollow nodes, or the real node agent over the runtime shim. */
import type { Logger } from "@kates/component-base";
import { RuntimeClient } from "./cri/runtime-client.js";
import { startHollowNodes } from "./hollow.js";
import { cleanupPodNetwork } from "./network/host-gw.js";
import { NodeAgent } from "./node-agent.js";
import { startKubeletServer } from "./server/index.js";
import { streamingRuntime } from "./streaming-runtime.js";
import type { KubeletOptions } from "./options.js";

/** Runs the kubelet until `signal` aborts. */
export async function run(options: KubeletOptions, log: Logger, signal: AbortSignal): Promise<void> {
  if (options.cleanupNetwork) {
    const routes = await cleanupPodNetwork(options.routeProtocol);
    log.info({ routes }, "removed the pod network's routes and iptables rules");
    return;
  }
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
  const runtime = new RuntimeClient(options.runtimeEndpoint);
  const agent = new NodeAgent(options, log, runtime);
  const server = await startKubeletServer({
    host: options.address,
    port: options.port,
    runtime: streamingRuntime(runtime),
    resolvePod: (ns, name) => agent.resolvePod(ns, name),
    log: log.child({ part: "server" }),
  });
  log.info({ port: server.port }, "kubelet server listening");
  try {
    await agent.run(signal);
  } finally {
    await server.close();
  }
}
