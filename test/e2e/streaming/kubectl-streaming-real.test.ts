// The same kubectl commands against real containers: the kates apiserver (process, real
// etcd), the runtime shim over Docker and the kubelet (both in-process via their exported
// entry points), with the pod bound straight to the node (no scheduler needed).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl, startKubectl, type KubectlResult } from "../../harness/kubectl.js";
import { freePort } from "../../harness/ports.js";
import { startRuntimeShim, type RunningShim } from "../../../packages/runtime-shim/src/runtime-shim.js";
import { run as runKubelet } from "../../../packages/kubelet/src/kubelet.js";
import { kubeletOptions } from "../../../packages/kubelet/src/options.js";
import { removeShimContainers } from "../../integration/runtime-shim/shim-client.js";

const SHIM_ID = `streaming-e2e-${process.pid}`;
const NODE = "stream-node";
let cp: ControlPlane;
let dir: string;
let shim: RunningShim;
const stopKubelet = new AbortController();
let kubeletDone: Promise<void> | undefined;

const k = (args: string[], input?: string): Promise<KubectlResult> => kubectl(["--request-timeout=30s", ...args], { server: cp.url, input, timeoutMs: 45_000 });
const ok = (r: KubectlResult) => { expect(r.code, `kubectl failed:\n${r.stderr}\n${r.stdout}`).toBe(0); return r.stdout; };

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const POD = {
  apiVersion: "v1", kind: "Pod", metadata: { name: "real", labels: { app: "real" } },
  spec: {
    nodeName: NODE,
    containers: [
      { name: "app", image: "busybox", command: ["sh", "-c", "echo started; i=0; while true; i=$((i+1)); do echo tick $i; sleep 0.3; done"] },
      { name: "web", image: "nginx:1.24.0", ports: [{ containerPort: 80 }] },
    ],
  },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kates-streaming-"));
  cp = await startControlPlane({ etcdMembers: 1, name: "streaming-real" });
  shim = await startRuntimeShim({
    listen: `unix://${dir}/shim.sock`, dockerSocket: "/var/run/docker.sock", registry: process.env.KATES_REGISTRY ?? "127.0.0.1:5000",
    pauseImage: "pause:3.9", sandboxPoolSize: 1, stateDir: path.join(dir, "shim-state"), shimId: SHIM_ID,
  }, newLogger("shim", "warn"));
  const options = kubeletOptions({
    server: cp.url, "node-name": NODE, "node-ip": "127.0.0.1", port: String(await freePort()), address: "127.0.0.1",
    "runtime-endpoint": shim.address, "root-dir": path.join(dir, "kubelet"), "cluster-dns": "", "cluster-domain": "cluster.local",
    "hollow-nodes": "0", "hollow-cpu": "4", "hollow-memory": "16Gi", "hollow-pods": "110", "node-lease-renew-interval": "1s",
    "node-status-update-frequency": "10s", "crashloop-backoff-base": "1s", "crashloop-backoff-max": "10s", "image-pull-backoff-max": "10s",
    "pleg-relist-period": "500ms", "pod-network": "none", "cluster-cidr": "10.244.0.0/16", "pod-network-route-protocol": "75",
  });
  kubeletDone = runKubelet(options, newLogger("kubelet", "warn"), stopKubelet.signal);
  kubeletDone.catch(() => {});
  await until(async () => ((await k(["get", "node", NODE])).code === 0 ? true : undefined), 30_000, "the node to register");
  ok(await k(["apply", "-f", "-"], JSON.stringify(POD)));
  await until(async () => {
    const phase = ok(await k(["get", "pod", "real", "-o", "jsonpath={.status.phase}"]));
    return phase === "Running" ? true : undefined;
  }, 90_000, "pod real to be Running");
}, 180_000);

afterAll(async () => {
  stopKubelet.abort();
  await kubeletDone?.catch(() => {});
  await shim?.stop(true);
  removeShimContainers(SHIM_ID);
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** `kubectl port-forward TARGET LOCAL:port` must reach the pod's nginx on 80; failures carry kubectl's output. */
async function expectNginxThroughPortForward(target: string, port: number): Promise<void> {
  const local = await freePort();
  const pf = startKubectl(["port-forward", target, `${local}:${port}`], { server: cp.url, timeoutMs: 60_000 });
  try {
    await pf.waitForOutput(`Forwarding from 127.0.0.1:${local} -> 80`, 15_000);
    const res = await fetch(`http://127.0.0.1:${local}/`, { headers: { Connection: "close" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("nginx");
  } catch (err) {
    const out = await pf.stop();
    throw new Error(`${(err as Error).message}\n${out.stdout}\n${out.stderr}`, { cause: err });
  }
  await pf.stop();
}

describe("kubectl against real containers", () => {
  it("logs, --tail and -f", async () => {
    const all = ok(await k(["logs", "real"]));
    expect(all.startsWith("started\ntick 1\n")).toBe(true);
    expect(ok(await k(["logs", "real", "--tail=1"]))).toMatch(/^tick \d+\n$/);
    const f = startKubectl(["logs", "-f", "real", "-c", "app"], { server: cp.url, timeoutMs: 30_000 });
    const last = Number(/tick (\d+)\n$/.exec(all)![1]);
    // Lines written after kubectl started arrive while it is still following.
    await f.waitForOutput(`tick ${last + 3}\n`, 10_000);
    await f.stop();
  });

  it("exec with output, stdin and exit codes", async () => {
    expect(ok(await k(["exec", "real", "--", "echo", "hi"]))).toBe("hi\n");
    expect(ok(await k(["exec", "-i", "real", "--", "cat"], "through stdin\n"))).toBe("through stdin\n");
    const r = await k(["exec", "real", "--", "sh", "-c", "exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("command terminated with exit code 3");
  });

  it("port-forward to nginx", async () => {
    await expectNginxThroughPortForward("pod/real", 80);
  });

  it("port-forward to a Service picks a ready pod behind it and its target port", async () => {
    const svc = {
      apiVersion: "v1", kind: "Service", metadata: { name: "real-web" },
      spec: { selector: { app: "real" }, ports: [{ name: "http", port: 8080, targetPort: 80 }] },
    };
    ok(await k(["apply", "-f", "-"], JSON.stringify(svc)));
    await expectNginxThroughPortForward("svc/real-web", 8080);
  });
});
