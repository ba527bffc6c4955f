import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";
import { OutputTail, terminate, trackChild } from "./processes.js";

/** Repository root, found relative to this file so tests work from any cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The built apiserver entry point that integration tests run as a real process. */
export const APISERVER_MAIN = resolve(REPO_ROOT, "packages/apiserver/dist/main.js");

/** Options for {@link startApiServer}. */
export interface ApiServerOptions {
  /** etcd client URLs, passed as --etcd-servers. */
  etcdEndpoints: string[];
  /** Port to listen on; a free port on `host` when omitted. */
  port?: number;
  /** Address to bind, advertise and reach it on (default 127.0.0.1; multi-host labs use their network's gateway). */
  host?: string;
  /** More flags; a `--flag=value` here replaces the default of the same flag. */
  extraArgs?: string[];
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /** Entry script (default: the built apiserver); lets the harness test itself. */
  main?: string;
  /** How long to wait for /readyz (default 30 s). */
  timeoutMs?: number;
}

/** An apiserver process started by {@link startApiServer}. */
export interface StartedApiServer {
  /** Base URL, `http://HOST:PORT` (HOST 127.0.0.1 unless the `host` option says otherwise). */
  readonly url: string;
  /** Port it listens on (the same across restarts). */
  readonly port: number;
  /** PID of the current process (changes on restart). */
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  logs(): string;
  /** Graceful stop: SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Crash: SIGKILL. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM) and starts it again on the same port, waiting for /readyz. */
  restart(): Promise<void>;
}

function flagName(arg: string): string {
  return arg.split("=", 1)[0]!;
}

/** Merges flag lists; a later `--flag=value` replaces an earlier one with the same name. */
function mergeArgs(defaults: string[], extra: string[]): string[] {
  const overridden = new Set(extra.filter((a) => a.startsWith("--") && a.includes("=")).map(flagName));
  return [...defaults.filter((a) => !overridden.has(flagName(a))), ...extra];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class ApiServerProcess implements StartedApiServer {
  private child?: ChildProcess;
  private readonly output = new OutputTail(4_000_000);

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly main: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly timeoutMs: number,
  ) {}

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  logs(): string {
    return this.output.toString();
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--enable-source-maps", this.main, ...this.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackChild(child);
    child.stdout?.on("data", (c: Buffer) => this.output.push(c));
    child.stderr?.on("data", (c: Buffer) => this.output.push(c));
    child.once("error", (err) => this.output.push(`spawn: ${err.message}\n`));
    this.child = child;
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`apiserver exited (${child.exitCode ?? child.signalCode}) before /readyz was 200:\n${this.tail()}`);
      }
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`apiserver not ready at ${this.url}/readyz after ${this.timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(100);
    }
  }

  private tail(): string {
    return this.logs().slice(-8000);
  }

  async stop(): Promise<void> {
    if (this.child) await terminate(this.child, 10_000, "SIGTERM");
  }

  async kill(): Promise<void> {
    if (this.child) await terminate(this.child, 10_000, "SIGKILL");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Starts the built apiserver as a real process on loopback and resolves once /readyz is 200.
 * @example
 * const api = await startApiServer({ etcdEndpoints: etcd.endpoints });
 * try { await fetch(`${api.url}/api/v1/namespaces`) } finally { await api.stop(); }
 */
export async function startApiServer(options: ApiServerOptions): Promise<StartedApiServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const defaults = [
    `--etcd-servers=${options.etcdEndpoints.join(",")}`,
    `--bind-address=${host}`,
    `--port=${port}`,
    `--advertise-address=${host}`,
    "--service-cluster-ip-range=10.96.0.0/12",
    "--service-node-port-range=30000-32767",
  ];
  const server = new ApiServerProcess(
    host,
    port,
    options.main ?? APISERVER_MAIN,
    mergeArgs(defaults, options.extraArgs ?? []),
    options.env ?? {},
    options.timeoutMs ?? 30_000,
  );
  await server.start();
  return server;
}
