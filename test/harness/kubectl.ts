import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputTail, trackChild, trackDir } from "./processes.js";

/** Options for {@link kubectl}. */
export interface KubectlOptions {
  /** apiserver base URL, e.g. `http://127.0.0.1:6443`. */
  server: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  /** Discovery cache dir; by default one fresh dir per test file (module instance). */
  cacheDir?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill kubectl after this many ms (default 60 s); the result then has code -1. */
  timeoutMs?: number;
}

/** What a kubectl run printed and returned. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

// One scratch dir per module instance: vitest isolates test files, so each suite gets its
// own discovery cache and never sees another suite's (or an earlier server's) resources.
let scratch: string | undefined;
const kubeconfigs = new Map<string, string>();

function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "kates-kubectl-"));
    trackDir(scratch);
  }
  return scratch;
}

/** Returns the path of a throwaway kubeconfig whose current context points at `server`. */
export function kubeconfigFor(server: string): string {
  let path = kubeconfigs.get(server);
  if (!path) {
    path = join(scratchDir(), `kubeconfig-${kubeconfigs.size}.yaml`);
    const config = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "kates", cluster: { server } }],
      users: [{ name: "kates", user: {} }],
      contexts: [{ name: "kates", context: { cluster: "kates", user: "kates", namespace: "default" } }],
      "current-context": "kates",
    };
    // JSON is valid YAML, so no YAML library is needed here.
    writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
    kubeconfigs.set(server, path);
  }
  return path;
}

function spawnKubectl(args: string[], options: KubectlOptions) {
  const kubeconfig = kubeconfigFor(options.server);
  const cacheDir = options.cacheDir ?? join(scratchDir(), "cache");
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, ...options.env };
  const child = spawn("kubectl", [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  trackChild(child);
  const stdout = new OutputTail(16_000_000);
  const stderr = new OutputTail(16_000_000);
  child.stdout.on("data", (c: Buffer) => stdout.push(c));
  child.stderr.on("data", (c: Buffer) => stderr.push(c));
  child.stdin.on("error", () => {
    // kubectl may exit before reading stdin; its exit code tells the story
  });
  child.stdin.end(options.input ?? "");
  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<KubectlResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      stderr.push(`\n[harness] kubectl killed after ${timeoutMs} ms\n`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run kubectl: ${err.message}`, { cause: err }));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
  return { child, stdout, stderr, done };
}

/**
 * Runs the real kubectl against `server` with a throwaway kubeconfig; never throws for a
 * non-zero exit, so tests can assert on failures.
 * @example
 * const r = await kubectl(["get", "pods", "-o", "wide"], { server: api.url });
 * expect(r.code).toBe(0);
 */
export function kubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  return spawnKubectl(args, options).done;
}

/** A long-running kubectl (e.g. `get pods -w`) started by {@link startKubectl}. */
export interface RunningKubectl {
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` (default 10 s) or if kubectl exits first. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Stops kubectl (SIGTERM) and returns everything it printed. */
  stop(): Promise<KubectlResult>;
}

/** Starts kubectl without waiting for it to finish, for watches; `timeoutMs` still bounds it. */
export function startKubectl(args: string[], options: KubectlOptions): RunningKubectl {
  const { child, stdout, stderr, done } = spawnKubectl(args, { timeoutMs: 300_000, ...options });
  let exited = false;
  void done.then(
    () => (exited = true),
    () => (exited = true),
  );
  const matches = (p: RegExp | string) => (typeof p === "string" ? stdout.toString().includes(p) : p.test(stdout.toString()));
  return {
    stdout: () => stdout.toString(),
    stderr: () => stderr.toString(),
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!matches(pattern)) {
        if (exited) throw new Error(`kubectl exited before printing ${pattern}:\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`kubectl did not print ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (!exited) child.kill("SIGTERM");
      return done;
    },
  };
}
