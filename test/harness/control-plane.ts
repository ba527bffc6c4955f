import { startApiServer, type ApiServerOptions, type StartedApiServer } from "./apiserver.js";
import { startEtcdCluster, type EtcdCluster } from "./etcd-cluster.js";

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** etcd members (default 3). */
  etcdMembers?: number;
  /** apiserver processes sharing the etcd cluster (default 1). */
  apiservers?: number;
  /** Name for the etcd cluster's logs and temp dir. */
  name?: string;
  /** Passed to every apiserver. */
  apiserver?: Omit<ApiServerOptions, "etcdEndpoints" | "port">;
}

/** A real etcd cluster with one or more apiservers on it. */
export interface ControlPlane {
  readonly etcd: EtcdCluster;
  readonly apiservers: StartedApiServer[];
  /** URL of the first apiserver. */
  readonly url: string;
  /** Stops the apiservers, then etcd. */
  stop(): Promise<void>;
}

/**
 * Starts an etcd cluster and `apiservers` apiserver processes on it, the usual fixture of
 * integration suites; everything is stopped again if any part fails to start.
 * @example
 * let cp: ControlPlane;
 * beforeAll(async () => { cp = await startControlPlane({ apiservers: 2 }); });
 * afterAll(() => cp?.stop());
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const etcd = await startEtcdCluster({ members: options.etcdMembers ?? 3, name: options.name });
  const apiservers: StartedApiServer[] = [];
  const stop = async () => {
    await Promise.all(apiservers.map((a) => a.stop()));
    await etcd.stop();
  };
  try {
    // One at a time: concurrent first starts would race to bootstrap the same objects,
    // which is worth testing on purpose, not by accident in every fixture.
    for (let i = 0; i < (options.apiservers ?? 1); i++) {
      apiservers.push(await startApiServer({ ...options.apiserver, etcdEndpoints: etcd.endpoints }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { etcd, apiservers, url: apiservers[0]?.url ?? "", stop };
}
