import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./ports.js";
import { OutputTail, terminate, trackChild, trackDir, untrackDir } from "./processes.js";

/** Options for {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** Number of members (default 3). */
  members?: number;
  /** Name used in member names and the temp dir, to tell clusters apart in logs. */
  name?: string;
  /** Raft heartbeat in ms (default 100). */
  heartbeatMs?: number;
  /** Raft election timeout in ms (default 1000). */
  electionMs?: number;
  /** How long to wait for the cluster to become healthy (default 30 s). */
  timeoutMs?: number;
}

/** Options for {@link EtcdCluster.stopMember}. */
export interface StopMemberOptions {
  /** SIGKILL at once (a crash) instead of SIGTERM (a clean shutdown). */
  kill?: boolean;
}

/** A running etcd cluster on loopback, started by {@link startEtcdCluster}. */
export interface EtcdCluster {
  /** Client URLs, one per member, in member order (`http://127.0.0.1:PORT`). */
  readonly endpoints: string[];
  /** Temp dir holding every member's data dir; removed by stop(). */
  readonly dataDir: string;
  /** PIDs of the members currently running. */
  pids(): number[];
  /** Recent output of member `i` (for failure messages). */
  logs(i: number): string;
  /** Stops member `i` (SIGTERM, SIGKILL after 10 s; or SIGKILL at once with `kill`). */
  stopMember(i: number, options?: StopMemberOptions): Promise<void>;
  /** Starts member `i` again with its old data dir and waits until it is healthy. */
  startMember(i: number): Promise<void>;
  /** Kills every member and removes the data dirs. */
  stop(): Promise<void>;
}

interface Member {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  output: OutputTail;
  process?: ChildProcess;
}

// Defaults are etcd's own timings: faster ones cause spurious leader elections when the
// 2-core machine is busy with an apiserver and vitest, which shows up as flaky requests.
const DEFAULT_HEARTBEAT_MS = 100;
const DEFAULT_ELECTION_MS = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when the member's /health says it has a leader and no alarm. */
async function memberHealthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === "true";
  } catch {
    return false;
  }
}

class StartedEtcdCluster implements EtcdCluster {
  private stopped = false;

  constructor(
    private readonly members: Member[],
    readonly dataDir: string,
    private readonly args: (m: Member) => string[],
    private readonly timeoutMs: number,
  ) {}

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  pids(): number[] {
    return this.members.flatMap((m) => (m.process && m.process.exitCode === null && m.process.signalCode === null && m.process.pid ? [m.process.pid] : []));
  }

  logs(i: number): string {
    return this.member(i).output.toString();
  }

  /** Spawns the member process without waiting for it. */
  spawnMember(i: number): void {
    const m = this.member(i);
    if (m.process && m.process.exitCode === null && m.process.signalCode === null) return;
    const child = spawn("etcd", this.args(m), { stdio: ["ignore", "pipe", "pipe"] });
    trackChild(child);
    child.stdout?.on("data", (c: Buffer) => m.output.push(c));
    child.stderr?.on("data", (c: Buffer) => m.output.push(c));
    child.once("error", (err) => m.output.push(`spawn etcd: ${err.message}\n`));
    m.process = child;
  }

  /** Waits until the given members all report healthy. */
  async waitHealthy(indexes: number[]): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const dead = indexes.filter((i) => this.member(i).process?.exitCode !== null || this.member(i).process?.signalCode !== null);
      if (dead.length > 0) {
        const i = dead[0]!;
        throw new Error(`etcd member ${i} exited during start-up:\n${this.logs(i).slice(-4000)}`);
      }
      const health = await Promise.all(indexes.map((i) => memberHealthy(this.member(i).clientUrl)));
      if (health.every(Boolean)) return;
      if (Date.now() > deadline) {
        const sick = indexes.filter((_, k) => !health[k]);
        throw new Error(`etcd members ${sick.join(",")} not healthy after ${this.timeoutMs} ms:\n${this.logs(sick[0]!).slice(-4000)}`);
      }
      await sleep(100);
    }
  }

  async stopMember(i: number, options: StopMemberOptions = {}): Promise<void> {
    const child = this.member(i).process;
    if (!child) return;
    await terminate(child, 10_000, options.kill ? "SIGKILL" : "SIGTERM");
  }

  async startMember(i: number): Promise<void> {
    if (this.stopped) throw new Error("etcd cluster was stopped");
    this.spawnMember(i);
    await this.waitHealthy([i]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // SIGKILL: the data is deleted next, and a graceful stop of every member at once waits
    // seconds for leader transfers that cannot succeed.
    await Promise.all(this.members.map((_, i) => this.stopMember(i, { kill: true })));
    rmSync(this.dataDir, { recursive: true, force: true });
    untrackDir(this.dataDir);
  }

  private member(i: number): Member {
    const m = this.members[i];
    if (!m) throw new RangeError(`no etcd member ${i} (cluster has ${this.members.length})`);
    return m;
  }
}

/**
 * Starts an etcd cluster of `members` processes on free loopback ports with temp data dirs,
 * and resolves once every member is healthy.
 * @example
 * const etcd = await startEtcdCluster({ members: 3 });
 * try { ... etcd.endpoints ... } finally { await etcd.stop(); }
 */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  // A port found free can be taken by someone else before etcd binds it: retry with new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStartEtcdCluster(options);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("address already in use")) throw err;
    }
  }
}

async function tryStartEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const count = options.members ?? 3;
  const name = options.name ?? "test";
  const dataDir = mkdtempSync(join(tmpdir(), `kates-etcd-${name}-`));
  trackDir(dataDir);
  const ports = await freePorts(count * 2);
  const members: Member[] = Array.from({ length: count }, (_, i) => ({
    name: `${name}-${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: join(dataDir, `member-${i}`),
    output: new OutputTail(200_000),
  }));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
  // A token unique to this cluster keeps members of two concurrent clusters from ever joining each other.
  const token = `${name}-${process.pid}-${Date.now()}`;
  const args = (m: Member): string[] => [
    `--name=${m.name}`,
    `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${m.clientUrl}`,
    `--advertise-client-urls=${m.clientUrl}`,
    `--listen-peer-urls=${m.peerUrl}`,
    `--initial-advertise-peer-urls=${m.peerUrl}`,
    `--initial-cluster=${initialCluster}`,
    `--initial-cluster-state=new`,
    `--initial-cluster-token=${token}`,
    `--heartbeat-interval=${options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS}`,
    `--election-timeout=${options.electionMs ?? DEFAULT_ELECTION_MS}`,
    "--logger=zap",
    "--log-outputs=stderr",
  ];
  const cluster = new StartedEtcdCluster(members, dataDir, args, options.timeoutMs ?? 30_000);
  try {
    members.forEach((_, i) => cluster.spawnMember(i));
    await cluster.waitHealthy(members.map((_, i) => i));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
