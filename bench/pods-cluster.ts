/**
 * The node under test for `npm run bench:pods`: a 1-member etcd and one apiserver (harness),
 * then the runtime shim and the kubelet as real processes from dist/, on the real Docker
 * engine. Also the engine and image checks, and resident memory from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { startEtcdCluster, type EtcdCluster } from "../test/harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../test/harness/apiserver.js";
import { freePort } from "../test/harness/ports.js";
import { OutputTail, terminate, trackChild, trackDir } from "../test/harness/processes.js";
import { BenchHttpClient } from "./http-client.js";

// Compiled to bench/dist/bench/: the repository root is three levels up (the harness's own
// REPO_ROOT points into bench/dist when compiled here).
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const APISERVER_MAIN = resolve(REPO_ROOT, "packages/apiserver/dist/main.js");
const SHIM_MAIN = resolve(REPO_ROOT, "packages/runtime-shim/dist/main.js");
const KUBELET_MAIN = resolve(REPO_ROOT, "packages/kubelet/dist/main.js");

/** Registry the shim resolves unqualified names against (deploy/lib/docker.sh's default). */
export const REGISTRY = process.env.KATES_REGISTRY ?? "127.0.0.1:5000";
/** The same images through both paths: the shim resolves `busybox` to this name. */
export const PAUSE_IMAGE = `${REGISTRY}/library/pause:3.9`;
export const APP_IMAGE = `${REGISTRY}/library/busybox:latest`;

/**
 * Runs deploy/lib/docker.sh's ensure_docker, ensure_registry and ensure_images (cheap once
 * the machine is set up), then checks that the engine answers and both images are present.
 */
export async function ensureEngine(log: (m: string) => void): Promise<Docker> {
  const script = `source deploy/lib/common.sh && source deploy/lib/docker.sh && ensure_docker && ensure_registry && ensure_images`;
  const r = spawnSync("bash", ["-c", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) {
    throw new Error(`Docker is not ready: deploy/lib/docker.sh ensure_docker/ensure_registry/ensure_images failed (exit ${r.status}):\n${(r.stderr ?? "").slice(-2000)}`);
  }
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  await docker.ping().catch((err) => {
    throw new Error(`the Docker engine at /var/run/docker.sock does not answer (${(err as Error).message}); run ensure_docker from deploy/lib/docker.sh`);
  });
  for (const image of [PAUSE_IMAGE, APP_IMAGE]) {
    await docker.getImage(image).inspect().catch(() => {
      throw new Error(`image ${image} is missing; run ensure_images from deploy/lib/docker.sh`);
    });
  }
  log(`Docker engine ready (${(await docker.version()).Version}), images present`);
  return docker;
}

/** One daemon process with its output kept for diagnosis. */
export interface Daemon {
  readonly child: ChildProcess;
  readonly output: OutputTail;
}

function startDaemon(main: string, args: string[]): Daemon {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  // The daemons run with the V8 flags `npm start` gives them (deploy/local/config.sh:
  // daemon_node_flags);
  // KATES_BENCH_DAEMON_NODE_OPTIONS overrides that for memory experiments.
  // (passed as arguments: NODE_OPTIONS refuses some V8 flags, such as --lite-mode).
  const byDaemon = main.includes("kubelet")
    ? "--max-semi-space-size=1 --lite-mode"
    : main.includes("runtime-shim") ? "--max-semi-space-size=1 --no-opt --optimize-for-size" : "--max-semi-space-size=1";
  const nodeFlags = (process.env.KATES_BENCH_DAEMON_NODE_OPTIONS ?? byDaemon).split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const output = new OutputTail(200_000);
  child.stdout?.on("data", (c: Buffer) => output.push(c));
  child.stderr?.on("data", (c: Buffer) => output.push(c));
  return { child, output };
}

/** Everything the bench started; `stop` is safe to call whatever failed. */
export interface BenchNode {
  etcd: EtcdCluster;
  apiserver: StartedApiServer;
  api: BenchHttpClient;
  shim: Daemon;
  kubelet: Daemon;
  shimId: string;
  nodeName: string;
  stop(): Promise<void>;
}

export interface BenchNodeOptions {
  /** --sandbox-pool-size of the shim. */
  poolSize: number;
  log: (m: string) => void;
}

/** Starts etcd (1 member), the apiserver, the shim and the kubelet; waits for the node to be Ready. */
export async function startBenchNode(o: BenchNodeOptions): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), "kates-bench-pods-"));
  trackDir(dir);
  const shimId = `bench-pods-${process.pid}`;
  const nodeName = "bench-node";
  const parts: Partial<BenchNode> = { shimId, nodeName };
  const stop = async () => {
    parts.api?.close();
    if (parts.kubelet) await terminate(parts.kubelet.child, 10_000);
    if (parts.shim) await terminate(parts.shim.child, 10_000);
    await parts.apiserver?.stop().catch(() => {});
    await parts.etcd?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One member is enough here: the figures are about the node, not etcd's replication.
    o.log("starting etcd (1 member) and the apiserver");
    parts.etcd = await startEtcdCluster({ members: 1, name: "bench-pods" });
    parts.apiserver = await startApiServer({ etcdEndpoints: parts.etcd.endpoints, main: APISERVER_MAIN, extraArgs: ["--log-level=warn"] });
    parts.api = new BenchHttpClient(parts.apiserver.url);
    const sock = join(dir, "shim.sock");
    o.log(`starting the runtime shim (--sandbox-pool-size=${o.poolSize}) and the kubelet`);
    parts.shim = startDaemon(SHIM_MAIN, [
      `--listen=unix://${sock}`, `--shim-id=${shimId}`, `--state-dir=${join(dir, "shim-state")}`,
      `--registry=${REGISTRY}`, `--sandbox-pool-size=${o.poolSize}`, "--log-level=warn",
    ]);
    parts.kubelet = startDaemon(KUBELET_MAIN, [
      `--server=${parts.apiserver.url}`, `--node-name=${nodeName}`, "--node-ip=127.0.0.1", `--port=${await freePort()}`,
      "--address=127.0.0.1", `--runtime-endpoint=unix://${sock}`, `--root-dir=${join(dir, "kubelet")}`, "--log-level=warn",
      // No controller-manager here assigns a podCIDR: pods stay on Docker's bridge.
      "--pod-network=none",
    ]);
    await waitNodeReady(parts.api, nodeName, parts as BenchNode);
    return { ...(parts as BenchNode), stop };
  } catch (err) {
    const tail = (d?: Daemon) => d?.output.toString().slice(-1500) ?? "";
    await stop();
    throw new Error(`${(err as Error).message}\nshim output: ${tail(parts.shim)}\nkubelet output: ${tail(parts.kubelet)}`);
  }
}

async function waitNodeReady(api: BenchHttpClient, name: string, parts: BenchNode): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const d of [parts.shim, parts.kubelet]) if (d.child.exitCode !== null) throw new Error(`a daemon exited early (code ${d.child.exitCode})`);
    const res = await api.request("GET", `/api/v1/nodes/${name}`);
    if (res.status === 200) {
      const node = JSON.parse(res.body.toString()) as { status?: { conditions?: { type: string; status: string }[] } };
      if (node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`node ${name} not Ready within 30 s`);
}

/** Resident and peak resident memory of a process in MB, from /proc/PID/status. */
export function memoryMB(pid: number | undefined): { rss: number; hwm: number } {
  if (!pid) return { rss: NaN, hwm: NaN };
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** User+system CPU seconds a process has used so far, from /proc/PID/stat (NaN when unknown). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return NaN;
  }
}

/** PID of the Docker engine, from its pid file. */
export function dockerdPid(): number | undefined {
  try {
    return Number(readFileSync("/var/run/docker.pid", "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Force-removes every container carrying `label` (k=v); returns how many. */
export async function removeByLabel(docker: Docker, label: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  return list.length;
}
