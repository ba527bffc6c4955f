/** Starts the built kates-scheduler as a real process for integration tests and the benchmark. */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";

export const SCHEDULER_MAIN = resolve(REPO_ROOT, "packages/scheduler/dist/main.js");

export interface StartedScheduler {
  readonly pid: number;
  readonly healthPort: number;
  logs(): string;
  /** "leader" or "standby". */
  role(): Promise<string>;
  /** The /metrics text (queue sizes, scheduled, bound, unschedulable, bindErrors). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** Spawns `kates-scheduler --server=URL` and waits for /healthz; `main` overrides the entry script. */
export async function startScheduler(server: string, extraArgs: string[] = [], nodeArgs: string[] = [], main = SCHEDULER_MAIN): Promise<StartedScheduler> {
  const healthPort = await freePort();
  const output = new OutputTail(2_000_000);
  const child: ChildProcess = spawn(process.execPath, ["--enable-source-maps", ...nodeArgs, main, `--server=${server}`, `--health-port=${healthPort}`, ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  child.stdout?.on("data", (c) => output.push(c));
  child.stderr?.on("data", (c) => output.push(c));
  const url = `http://127.0.0.1:${healthPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scheduler exited early:\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`scheduler not healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid ?? -1,
    healthPort,
    logs: () => output.toString(),
    role: () => fetch(`${url}/leader`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text()).then((t) => t.trim(), () => "down"),
    metrics: () => fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), (e) => String(e)),
    stop: () => terminate(child),
    kill: () => terminate(child, 1000, "SIGKILL"),
  };
}
