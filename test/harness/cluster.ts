/**
 * A whole kates cluster from built daemons, every part its own process as in production:
 * etcd, apiserver, controller-manager, scheduler, and per node a runtime shim + kubelet on
 * the real Docker engine (or hollow kubelets). Each daemon can be killed and restarted, so
 * tests can take nodes and control-plane members away.
 * @example
 * const cluster = await startCluster({ name: "walkthrough", nodes: ["n1", "n2"] });
 * await kubectl(["get", "nodes"], { server: cluster.url });
 * await cluster.stop();
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "./apiserver.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { freePort } from "./ports.js";
import { OutputTail, terminate, trackChild, trackDir } from "./processes.js";

/** One daemon process that can be killed and started again with the same arguments. */
export class Daemon {
  private child?: ChildProcess;
  readonly output = new OutputTail(200_000);

  constructor(readonly name: string, private readonly main: string, private readonly args: string[]) {}

  start(): void {
    this.child = spawn(process.execPath, [resolve(REPO_ROOT, this.main), ...this.args], { stdio: ["ignore", "pipe", "pipe"] });
    trackChild(this.child);
    this.child.stdout?.on("data", (c) => this.output.push(c));
    this.child.stderr?.on("data", (c) => this.output.push(c));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful) or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child) await terminate(this.child, 10_000, signal);
  }
}

export interface ClusterOptions {
  name: string;
  /** Names of nodes that run real containers (a shim + kubelet each, all on this machine's Docker). */
  nodes?: string[];
  /** Hollow nodes in one extra kubelet process (names hollow-0..N-1). */
  hollowNodes?: number;
  etcdMembers?: number;
  /** Extra flags per daemon. */
  kubeletArgs?: string[];
  controllerManagerArgs?: string[];
  schedulerArgs?: string[];
  /** Start a second controller-manager and scheduler (leader election). */
  standbys?: boolean;
  /**
   * Kubelets' --pod-network. Default none (pods on Docker's bridge): concurrent clusters on one
   * engine would otherwise all make bridges on 10.244.0.0/24... With host-gw, this cluster's
   * nodes get /27s of a random 10.244.X.0/24 (X in 100-199).
   */
  podNetwork?: "host-gw" | "none";
}

export interface StartedCluster {
  url: string;
  controlPlane: ControlPlane;
  controllerManagers: Daemon[];
  schedulers: Daemon[];
  /** Per real node: its shim and kubelet. */
  nodes: Map<string, { shim: Daemon; kubelet: Daemon; shimId: string }>;
  hollow?: Daemon;
  /** Everything each daemon printed, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const dist = (pkg: string) => `packages/${pkg}/dist/main.js`;

export async function startCluster(opts: ClusterOptions): Promise<StartedCluster> {
  const dir = mkdtempSync(join(tmpdir(), `kates-cluster-${opts.name}-`));
  trackDir(dir);
  const controlPlane = await startControlPlane({ name: opts.name, etcdMembers: opts.etcdMembers ?? 1 });
  const url = controlPlane.url;
  const daemons: Daemon[] = [];
  const add = (d: Daemon) => (daemons.push(d), d.start(), d);
  const nodes = new Map<string, { shim: Daemon; kubelet: Daemon; shimId: string }>();
  const controllerManagers: Daemon[] = [];
  const schedulers: Daemon[] = [];
  let hollow: Daemon | undefined;
  const replicas = opts.standbys ? 2 : 1;
  const podNetwork = opts.podNetwork ?? "none";
  const ipamArgs = podNetwork === "host-gw" ? [`--cluster-cidr=10.244.${100 + Math.floor(Math.random() * 100)}.0/24`, "--node-cidr-mask-size=27"] : [];
  for (let i = 0; i < replicas; i++) {
    controllerManagers.push(add(new Daemon(`controller-manager-${i}`, dist("controller-manager"), [`--server=${url}`, "--health-port=0", ...ipamArgs, ...(opts.controllerManagerArgs ?? [])])));
    schedulers.push(add(new Daemon(`scheduler-${i}`, dist("scheduler"), [`--server=${url}`, "--health-port=0", ...(opts.schedulerArgs ?? [])])));
  }
  for (const node of opts.nodes ?? []) {
    const shimId = `${opts.name}-${node}`;
    const sock = join(dir, `${node}.sock`);
    const shim = add(new Daemon(`shim-${node}`, dist("runtime-shim"), [`--listen=unix://${sock}`, `--shim-id=${shimId}`, `--state-dir=${join(dir, `${node}-shim`)}`, "--sandbox-pool-size=1"]));
    const kubelet = add(new Daemon(`kubelet-${node}`, dist("kubelet"), [
      `--server=${url}`, `--node-name=${node}`, "--node-ip=127.0.0.1", "--address=127.0.0.1", `--port=${await freePort()}`,
      `--runtime-endpoint=unix://${sock}`, `--root-dir=${join(dir, `${node}-kubelet`)}`, "--crashloop-backoff-base=1s", "--image-pull-backoff-max=5s",
      `--pod-network=${podNetwork}`, ...(opts.kubeletArgs ?? []),
    ]));
    nodes.set(node, { shim, kubelet, shimId });
  }
  if (opts.hollowNodes) hollow = add(new Daemon("hollow", dist("kubelet"), [`--server=${url}`, "--hollow", `--hollow-nodes=${opts.hollowNodes}`, "--node-name=hollow", `--port=${await freePort()}`]));
  const logs = () => daemons.map((d) => `--- ${d.name} ---\n${d.output.toString().slice(-4000)}`).join("\n");
  return {
    url,
    controlPlane,
    controllerManagers,
    schedulers,
    nodes,
    hollow,
    logs,
    async stop() {
      await Promise.all(daemons.filter((d) => !d.name.startsWith("shim")).map((d) => d.stop()));
      for (const { shimId } of nodes.values()) removeShimContainers(shimId);
      await Promise.all(daemons.map((d) => d.stop()));
      await controlPlane.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes every container and pod network one shim made (its id is in their labels), even after a crash. */
export function removeShimContainers(shimId: string): void {
  try {
    const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kates.shim=${shimId}`]).toString().split(/\s+/).filter(Boolean);
    if (ids.length) execFileSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
    const nets = execFileSync("docker", ["network", "ls", "-q", "--filter", `label=io.kates.shim=${shimId}`]).toString().split(/\s+/).filter(Boolean);
    if (nets.length) execFileSync("docker", ["network", "rm", ...nets], { stdio: "ignore" });
  } catch {
    // Docker gone already: nothing left to remove.
  }
}
