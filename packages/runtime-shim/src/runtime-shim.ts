/**
 * The kates-runtime-shim daemon: a CRI-like gRPC server (proto/runtime.proto) on a unix
 * socket, over the local Docker engine. `run` is what main.ts calls; `startRuntimeShim`
 * starts the same thing in-process for tests and returns a handle.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@kates/component-base";
import { Containers } from "./containers.js";
import { DockerEngine, type Engine } from "./docker/index.js";
import { Images } from "./images.js";
import { PodNetwork } from "./pod-network.js";
import { SandboxPool } from "./sandbox-pool.js";
import { SandboxStore } from "./sandbox-store.js";
import { Sandboxes } from "./sandboxes.js";
import { newShimServer } from "./server.js";
import { Streaming } from "./streaming.js";

export interface RunOptions {
  /** unix:///path/to.sock (or host:port for debugging). */
  listen: string;
  dockerSocket: string;
  /** Registry that unqualified image names resolve against, e.g. 127.0.0.1:5000. */
  registry: string;
  pauseImage: string;
  sandboxPoolSize: number;
  /** Where pooled sandboxes' pod metadata is kept. */
  stateDir: string;
  /** Owner label value: shims sharing one engine see only their own objects. */
  shimId: string;
}

export interface RunningShim {
  /** The address clients dial (same form as options.listen). */
  address: string;
  pool?: SandboxPool;
  engine: Engine;
  network: PodNetwork;
  /** Stops serving; with removePool, also removes the idle pooled sandboxes. */
  stop(removePool?: boolean): Promise<void>;
}

/** Socket path of a unix:// listen address, or undefined for a TCP one. */
export function unixPath(listen: string): string | undefined {
  if (listen.startsWith("unix://")) return listen.slice("unix://".length);
  if (listen.startsWith("unix:")) return listen.slice("unix:".length);
  return undefined;
}

/** Starts the shim in this process. */
export async function startRuntimeShim(o: RunOptions, log: Logger): Promise<RunningShim> {
  const engine = new DockerEngine(o.dockerSocket);
  const images = new Images(engine, o.registry);
  const pauseImage = images.resolve(o.pauseImage);
  if (!(await images.status(o.pauseImage))) {
    log.info({ image: pauseImage }, "pulling the pause image");
    await images.pull(o.pauseImage);
  }
  const store = new SandboxStore(o.stateDir);
  await store.init();
  const pool = o.sandboxPoolSize > 0
    ? new SandboxPool(engine, { size: o.sandboxPoolSize, pauseImage, shimId: o.shimId }, log.child({ part: "sandbox-pool" }))
    : undefined;
  const network = new PodNetwork(engine, o.shimId, log.child({ part: "pod-network" }));
  network.pool = pool;
  await network.adopt();
  const sandboxes = new Sandboxes({ engine, store, pool, network, pauseImage, shimId: o.shimId, log });
  await sandboxes.pruneStore();
  // With no pod network yet the pool fills on Docker's bridge; the first UpdateRuntimeConfig drains it.
  await pool?.start(network.networkName ?? "bridge");
  const containers = new Containers({ engine, sandboxes, registry: o.registry, shimId: o.shimId, log });
  const server = newShimServer({ engine, sandboxes, containers, streaming: new Streaming(engine), images, network, log });

  const sock = unixPath(o.listen);
  if (sock) {
    await mkdir(path.dirname(sock), { recursive: true });
    await rm(sock, { force: true }); // a socket left by a killed shim
  }
  const bindTo = sock ? `unix://${sock}` : o.listen;
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(bindTo, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  log.info({ listen: o.listen, registry: o.registry, pauseImage, pool: o.sandboxPoolSize }, "runtime shim serving");
  return {
    address: bindTo,
    pool,
    engine,
    network,
    async stop(removePool = false) {
      await pool?.stop(removePool);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      if (sock) await rm(sock, { force: true });
    },
  };
}

/** Runs the shim until signal aborts. Pooled sandboxes stay for the next start to adopt. */
export async function run(o: RunOptions, log: Logger, signal: AbortSignal): Promise<void> {
  const shim = await startRuntimeShim(o, log);
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  await shim.stop(false);
}
