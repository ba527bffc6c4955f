// One real node for the kubelet e2e suite: the runtime shim and the kubelet as separate
// processes from dist/ (so a test can SIGKILL both and start them again), on a control plane
// of real etcd + apiserver, plus small helpers for kubectl, docker and polling.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { kubectl, type KubectlResult } from "../../harness/kubectl.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild, trackDir } from "../../harness/processes.js";

/** Polls `fn` until it returns something other than undefined. */
export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `docker inspect` of one object, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dockerInspect(id: string): any {
  return JSON.parse(execFileSync("docker", ["inspect", id], { encoding: "utf8" }))[0];
}

/** IDs of every Docker container (running or not) carrying `label`. */
export function dockerIdsByLabel(label: string): string[] {
  return execFileSync("docker", ["ps", "-aq", "--no-trunc", "--filter", `label=${label}`], { encoding: "utf8" }).split("\n").filter(Boolean);
}

/** The shim, the kubelet and the control plane they talk to. */
export class TestNode {
  cp!: ControlPlane;
  readonly nodeName = "e2e-node";
  readonly shimId = `kubelet-e2e-${process.pid}`;
  private readonly dir = mkdtempSync(join(tmpdir(), "kates-kubelet-e2e-"));
  private kubeletPort = 0;
  shim?: ChildProcess;
  kubelet?: ChildProcess;
  readonly shimLog = new OutputTail(200_000);
  readonly kubeletLog = new OutputTail(400_000);

  constructor() {
    trackDir(this.dir);
  }

  get sock(): string {
    return join(this.dir, "shim.sock");
  }

  async start(): Promise<void> {
    this.cp = await startControlPlane({ etcdMembers: 1, name: "kubelet-e2e" });
    this.kubeletPort = await freePort();
    await this.startShim();
    this.startKubelet();
    await until(async () => {
      const r = await this.k(["get", "node", this.nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]);
      return r.stdout === "True" ? true : undefined;
    }, 30_000, `node Ready (kubelet log: ${this.kubeletLog.toString().slice(-1500)})`);
  }

  async startShim(): Promise<void> {
    const main = resolve(REPO_ROOT, "packages/runtime-shim/dist/main.js");
    const args = [main, `--listen=unix://${this.sock}`, `--shim-id=${this.shimId}`, `--state-dir=${join(this.dir, "shim-state")}`, "--sandbox-pool-size=1", "--log-level=warn"];
    this.shim = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    trackChild(this.shim);
    this.shim.stdout?.on("data", (c: Buffer) => this.shimLog.push(c));
    this.shim.stderr?.on("data", (c: Buffer) => this.shimLog.push(c));
    await until(() => (existsSync(this.sock) ? true : undefined), 15_000, `shim socket (log: ${this.shimLog.toString().slice(-1500)})`);
  }

  startKubelet(): void {
    const main = resolve(REPO_ROOT, "packages/kubelet/dist/main.js");
    const args = [
      main, `--server=${this.cp.url}`, `--node-name=${this.nodeName}`, "--node-ip=127.0.0.1", `--port=${this.kubeletPort}`, "--address=127.0.0.1",
      `--runtime-endpoint=unix://${this.sock}`, `--root-dir=${join(this.dir, "kubelet")}`, "--crashloop-backoff-base=1s", "--crashloop-backoff-max=8s",
      "--image-pull-backoff-max=4s", "--pleg-relist-period=500ms", "--pod-network=none", `--log-level=${process.env.KUBELET_TEST_LOG ?? "info"}`,
    ];
    this.kubelet = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    trackChild(this.kubelet);
    this.kubelet.stdout?.on("data", (c: Buffer) => this.kubeletLog.push(c));
    this.kubelet.stderr?.on("data", (c: Buffer) => this.kubeletLog.push(c));
  }

  /** SIGKILLs the kubelet and the shim and waits until both are gone. */
  async killBoth(): Promise<void> {
    await Promise.all([this.kubelet, this.shim].map((c) => (c ? terminate(c, 5_000, "SIGKILL") : undefined)));
  }

  /** Runs the real kubectl against the apiserver. */
  k(args: string[], input?: string): Promise<KubectlResult> {
    return kubectl(["--request-timeout=30s", ...args], { server: this.cp.url, input, timeoutMs: 45_000 });
  }

  /** Runs kubectl and expects success; returns stdout. */
  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.k(args, input);
    expect(r.code, `kubectl ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
    return r.stdout;
  }

  /** A pod as JSON through kubectl. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async pod(name: string): Promise<any> {
    return JSON.parse(await this.ok(["get", "pod", name, "-o", "json"]));
  }

  /** The STATUS column of `kubectl get pod NAME`. */
  async statusColumn(name: string): Promise<string> {
    const out = await this.ok(["get", "pod", name, "--no-headers"]);
    return out.trim().split(/\s+/)[2] ?? "";
  }

  async stop(): Promise<void> {
    if (this.kubelet) await terminate(this.kubelet, 10_000, "SIGTERM");
    if (this.shim) await terminate(this.shim, 10_000, "SIGTERM");
    const ids = dockerIdsByLabel(`io.kates.shim=${this.shimId}`);
    if (ids.length) execFileSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
    await this.cp?.stop();
  }
}
