/**
 * The raw baseline of `npm run bench:pods`: what a pod costs straight through the Docker
 * Engine API (dockerode, as the shim uses): create+start a pause container on the bridge,
 * then create+start the app container joined to its network and IPC namespaces.
 */
import type Docker from "dockerode";
import { APP_IMAGE, PAUSE_IMAGE } from "./pods-cluster.js";
import { now } from "./stats.js";

/** Label on every container the raw path makes, so cleanup finds them all. */
export const RAW_LABEL = "io.kates.bench-raw";

async function createStart(docker: Docker, opts: Docker.ContainerCreateOptions): Promise<string> {
  const c = await docker.createContainer(opts);
  await c.start();
  return c.id;
}

/** Starts one raw "pod" (sandbox, then app) and returns milliseconds since `t0`. */
async function rawPod(docker: Docker, run: string, name: string, t0: number): Promise<number> {
  const labels = { [RAW_LABEL]: run };
  const sandbox = await createStart(docker, {
    name: `${name}_POD`,
    Image: PAUSE_IMAGE,
    Hostname: name,
    Labels: labels,
    HostConfig: { NetworkMode: "bridge", IpcMode: "shareable", RestartPolicy: { Name: "no" } },
  });
  await createStart(docker, {
    name: `${name}_app`,
    Image: APP_IMAGE,
    Entrypoint: ["sleep", "3600"],
    Labels: labels,
    HostConfig: { NetworkMode: `container:${sandbox}`, IpcMode: `container:${sandbox}`, LogConfig: { Type: "json-file", Config: {} } },
  });
  return now() - t0;
}

/**
 * Starts `count` raw pods all at once (as the kubelet's pod workers do) and returns each
 * pod's time to both containers started; the containers are removed afterwards (untimed).
 */
export async function rawBatch(docker: Docker, run: string, prefix: string, count: number): Promise<number[]> {
  const t0 = now();
  try {
    return await Promise.all(Array.from({ length: count }, (_, i) => rawPod(docker, run, `${prefix}-${i}`, t0)));
  } finally {
    const list = await docker.listContainers({ all: true, filters: { label: [`${RAW_LABEL}=${run}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  }
}
