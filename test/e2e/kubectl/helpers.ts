// Shared pieces of the real-kubectl e2e suite: one control plane per test file, a kubectl
// wrapper that fails fast, seed fixture paths and a parser for kubectl's column output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { kubectl, startKubectl, type KubectlResult, type RunningKubectl } from "../../harness/kubectl.js";

/** Directory of the unchanged seed manifests. */
export const SEEDS = resolve(REPO_ROOT, "test/fixtures/seeds");

/** Absolute path of a seed fixture. */
export const seed = (file: string): string => join(SEEDS, file);

/** Text of a seed fixture. */
export const seedText = (file: string): string => readFileSync(seed(file), "utf8");

/** A running etcd + apiserver, a private discovery cache and a scratch dir for edited manifests. */
export interface Cluster {
  cp: ControlPlane;
  /** The apiserver's port (the kubernetes Service's targetPort). */
  port: number;
  /** Runs kubectl with `--request-timeout` so a hung request fails the test, not the suite. */
  k(args: string[], input?: string, env?: Record<string, string>): Promise<KubectlResult>;
  /** Starts a long-running kubectl (no request timeout: watches must stay open). */
  watch(args: string[]): RunningKubectl;
  /** Writes `text` to a file in the scratch dir and returns its path (for `apply -f`). */
  file(name: string, text: string): string;
  stop(): Promise<void>;
}

/** Starts a 3-member etcd and one apiserver; kubectl gets a fresh discovery cache. */
export async function startCluster(): Promise<Cluster> {
  const cp = await startControlPlane({ etcdMembers: 3, apiservers: 1, name: "kubectl-e2e" });
  const scratch = mkdtempSync(join(tmpdir(), "kates-kubectl-e2e-"));
  const cacheDir = join(scratch, "cache");
  const server = cp.url;
  return {
    cp,
    port: cp.apiservers[0]!.port,
    k: (args, input, env) => kubectl(["--request-timeout=20s", ...args], { server, cacheDir, input, env, timeoutMs: 45_000 }),
    watch: (args) => startKubectl(args, { server, cacheDir, timeoutMs: 120_000 }),
    file(name, text) {
      const path = join(scratch, name);
      writeFileSync(path, text);
      return path;
    },
    async stop() {
      await cp.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Asserts exit code 0 and returns stdout; the message carries stderr for diagnosis. */
export function ok(r: KubectlResult): string {
  expect(r.code, `kubectl failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

/** Asserts a non-zero exit and returns stderr. */
export function fails(r: KubectlResult): string {
  expect(r.code, `kubectl unexpectedly succeeded:\n${r.stdout}`).not.toBe(0);
  return r.stderr;
}

/** One printed table: its column names and rows, cells split on runs of 2+ spaces. */
export interface Table {
  header: string[];
  rows: string[][];
}

/**
 * Parses kubectl's column output; several tables (as `get all` prints) are separated by blank
 * lines. Column names such as `NOMINATED NODE` hold single spaces, cells never hold two.
 */
export function parseTables(stdout: string): Table[] {
  const tables: Table[] = [];
  for (const block of stdout.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    if (lines.length === 0) continue;
    const [head, ...rest] = lines.map((l) => l.trim().split(/\s{2,}/));
    tables.push({ header: head!, rows: rest });
  }
  return tables;
}

/** The single table in `stdout`. */
export function parseTable(stdout: string): Table {
  const tables = parseTables(stdout);
  expect(tables, stdout).toHaveLength(1);
  return tables[0]!;
}

/** The row whose first cell is `name` (as a record keyed by column name). */
export function row(table: Table, name: string): Record<string, string> {
  const r = table.rows.find((cells) => cells[0] === name);
  expect(r, `no row ${name} in\n${table.header.join(" | ")}\n${table.rows.map((x) => x.join(" | ")).join("\n")}`).toBeDefined();
  return Object.fromEntries(table.header.map((h, i) => [h, r![i] ?? ""]));
}

/** Polls until `pred` holds or `timeoutMs` passes. */
export async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
