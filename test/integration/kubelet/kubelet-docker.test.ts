// The real kubelet over the real runtime shim and Docker, against a real apiserver: pods run,
// crash-loop with back-off, fail image pulls with ErrImagePull/ImagePullBackOff, carry their
// limits into Docker, survive a kubelet restart untouched, and disappear on delete.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, isNotFound, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { freePort } from "../../harness/ports.js";
import { terminate, trackChild } from "../../harness/processes.js";
import { run, type KubeletOptions } from "../../../packages/kubelet/src/index.js";

const dir = mkdtempSync(join(tmpdir(), "kubelet-it-"));
const sock = join(dir, "shim.sock");
let cp: ControlPlane;
let rest: RestClient;
let shim: ChildProcess;
let shimLog = "";
let kubelet: { ac: AbortController; done: Promise<void> } | undefined;
let options: KubeletOptions;
const pods = () => rest.resource<Pod>(findResource("", "v1", "pods")!, "default");

async function until<T>(get: () => Promise<T | undefined>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startKubelet(): void {
  const ac = new AbortController();
  kubelet = { ac, done: run(options, newLogger("kates-kubelet", process.env.KUBELET_TEST_LOG ?? "silent"), ac.signal) };
}

async function stopKubelet(): Promise<void> {
  kubelet?.ac.abort();
  await kubelet?.done;
  kubelet = undefined;
}

const podWith = (name: string, c: Record<string, unknown>, spec: Record<string, unknown> = {}): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName: "kn1", terminationGracePeriodSeconds: 2, containers: [{ name: "app", image: "busybox", imagePullPolicy: "IfNotPresent", ...c }], ...spec },
} as Pod);

const getPod = (name: string) => pods().get(name);

beforeAll(async () => {
  cp = await startControlPlane({ name: "kubelet-docker", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "kubelet-docker-test" });
  shim = spawn(process.execPath, [resolve(REPO_ROOT, "packages/runtime-shim/dist/main.js"), `--listen=unix://${sock}`, "--shim-id=kubelet-it", `--state-dir=${join(dir, "shim-state")}`, "--sandbox-pool-size=0"], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(shim);
  shim.stdout?.on("data", (c: Buffer) => (shimLog += c.toString()));
  shim.stderr?.on("data", (c: Buffer) => (shimLog += c.toString()));
  options = {
    server: cp.url, nodeName: "kn1", nodeIP: "127.0.0.1", port: await freePort(), address: "127.0.0.1", runtimeEndpoint: `unix://${sock}`,
    rootDir: join(dir, "kubelet"), clusterDNS: [], clusterDomain: "cluster.local", hollow: false, hollowNodes: 0, hollowCpu: "4", hollowMemory: "16Gi", hollowPods: 110,
    leaseRenewMs: 1000, nodeStatusUpdateMs: 10_000, crashLoopBackoffBaseMs: 1000, crashLoopBackoffMaxMs: 4000, imagePullBackoffMaxMs: 4000, relistMs: 1000,
  };
  startKubelet();
  await until(async () => {
    const n = await rest.resource<Node>(findResource("", "v1", "nodes")!).get("kn1");
    return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? n : undefined;
  }, 30_000, `node Ready (shim log: ${shimLog.slice(-2000)})`);
}, 120_000);

afterAll(async () => {
  for (const p of (await pods().list().catch(() => ({ items: [] as Pod[] }))).items) await pods().delete(p.metadata.name!).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3000));
  await stopKubelet();
  if (shim) await terminate(shim, 10_000, "SIGTERM");
  rest?.close();
  await cp?.stop();
}, 60_000);

describe("kubelet over the runtime shim", () => {
  it("runs a pod: Running, Ready, podIP, containerID, limits in docker inspect", async () => {
    await pods().create(podWith("web", { command: ["sh", "-c", "sleep 3600"], resources: { limits: { cpu: "500m", memory: "64Mi" } } }));
    const pod = await until(async () => {
      const p = await getPod("web");
      return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, 60_000, "web Running");
    expect(pod.status?.podIP).toBeTruthy();
    expect(pod.status?.hostIP).toBe("127.0.0.1");
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.containerID).toMatch(/^docker:\/\/[0-9a-f]+$/);
    expect(cs.restartCount).toBe(0);
    const id = cs.containerID!.slice("docker://".length);
    const inspect = JSON.parse(execFileSync("docker", ["inspect", id]).toString())[0];
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.CpuQuota).toBe(50_000);
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("restarts a crashing container with back-off and shows CrashLoopBackOff", async () => {
    await pods().create(podWith("crash", { command: ["sh", "-c", "exit 3"] }));
    const pod = await until(async () => {
      const p = await getPod("crash");
      const cs = p.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === "CrashLoopBackOff" && cs.restartCount >= 1 ? p : undefined;
    }, 60_000, "CrashLoopBackOff");
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(pod.status?.phase).toBe("Running");
  });

  it("shows ErrImagePull, then ImagePullBackOff for a missing tag", async () => {
    await pods().create(podWith("badimg", { image: "nginx:1.24.0-does-not-exist", imagePullPolicy: "Always" }));
    const seen = new Set<string>();
    await until(async () => {
      const r = (await getPod("badimg")).status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) seen.add(r);
      return seen.has("ErrImagePull") && seen.has("ImagePullBackOff") ? true : undefined;
    }, 60_000, "ErrImagePull then ImagePullBackOff");
    expect((await getPod("badimg")).status?.phase).toBe("Pending");
  });

  it("leaves running containers alone across a kubelet restart", async () => {
    const before = (await getPod("web")).status!.containerStatuses![0]!;
    await stopKubelet();
    startKubelet();
    await new Promise((r) => setTimeout(r, 4000));
    const after = (await getPod("web")).status!.containerStatuses![0]!;
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(before.restartCount);
    expect(after.ready).toBe(true);
  });

  it("stops the containers of a deleted pod and removes the pod", async () => {
    const id = (await getPod("web")).status!.containerStatuses![0]!.containerID!.slice("docker://".length);
    await pods().delete("web");
    await until(async () => {
      try {
        await getPod("web");
        return undefined;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    }, 30_000, "pod gone");
    const left = execFileSync("docker", ["ps", "-aq", "--no-trunc"]).toString();
    expect(left).not.toContain(id);
  });
});
