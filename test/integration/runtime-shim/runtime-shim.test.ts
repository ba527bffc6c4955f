/**
 * The runtime shim against the real Docker engine and the local registry (test/run.sh starts
 * both and builds the images): a two-container pod talking over localhost, resources in
 * `docker inspect`, exec, logs, port-forward, a missing tag, and a shim restart that leaves
 * everything as it was.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { status as Status } from "@grpc/grpc-js";
import { newLogger } from "@kates/component-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntimeShim, type RunningShim, type RunOptions } from "../../../packages/runtime-shim/src/runtime-shim.js";
import { dockerInspect, removeShimContainers, shimClient, testShimOptions, type ShimClient } from "./shim-client.js";

const SHIM_ID = `test-${process.pid}`;
let dir: string;
let options: RunOptions;
let shim: RunningShim;
let client: ShimClient;
const log = newLogger("runtime-shim-test", "warn");

const podConfig = (name: string, extra: object = {}) => ({
  metadata: { name, namespace: "default", uid: `uid-${name}-${process.pid}`, attempt: 0 },
  hostname: name,
  labels: { app: name, "io.kubernetes.pod.uid": `uid-${name}-${process.pid}` },
  annotations: { note: "hello" },
  ...extra,
});

async function startShim(): Promise<void> {
  shim = await startRuntimeShim(options, log);
  client = shimClient(shim.address);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kates-shim-"));
  options = testShimOptions(dir, SHIM_ID, 2);
  await startShim();
  await shim.pool?.waitFull();
});

afterAll(async () => {
  client?.close();
  await shim?.stop(true);
  removeShimContainers(SHIM_ID);
  await rm(dir, { recursive: true, force: true });
});

async function createAndStart(sandboxId: string, sandboxConfig: object, config: object): Promise<string> {
  const { container_id } = await client.call("CreateContainer", { pod_sandbox_id: sandboxId, config, sandbox_config: sandboxConfig });
  await client.call("StartContainer", { container_id });
  return container_id;
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("runtime shim over Docker", () => {
  let sandboxId: string;
  let webId: string;
  let clientId: string;
  const cfg = podConfig("twoc");

  it("answers Version with the engine's version", async () => {
    const v = await client.call("Version");
    expect(v.runtime_name).toBe("docker");
    expect(v.runtime_version).toMatch(/^\d+\.\d+/);
  });

  it("runs a pod whose two containers talk over localhost", async () => {
    ({ pod_sandbox_id: sandboxId } = await client.call("RunPodSandbox", { config: cfg }));
    webId = await createAndStart(sandboxId, cfg, {
      metadata: { name: "web", attempt: 0 },
      image: { image: "busybox" },
      command: ["sh", "-c"],
      args: ["mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"],
      envs: [{ key: "GREETING", value: "hi" }],
      labels: { tier: "web" },
      linux: { resources: { cpu_shares: 512, cpu_period: 100000, cpu_quota: 50000, memory_limit_in_bytes: 64 * 1024 * 1024 } },
    });
    clientId = await createAndStart(sandboxId, cfg, {
      metadata: { name: "client", attempt: 0 },
      image: { image: "busybox:latest" },
      command: ["sh", "-c", "sleep 0.5; wget -q -O- http://localhost:8080/; echo to-stderr >&2; exec sleep 3600"],
    });
    const status = await client.call("PodSandboxStatus", { pod_sandbox_id: sandboxId });
    expect(status.status.state).toBe("SANDBOX_READY");
    expect(status.status.network.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(status.status.metadata).toMatchObject({ name: "twoc", namespace: "default" });
    expect(status.status.labels.app).toBe("twoc");
    expect(status.status.annotations.note).toBe("hello");
    const logs = await until(async () => {
      const chunks = await collectLogs(clientId, {});
      const text = chunks.map((c) => c.data.toString()).join("");
      return text.includes("hello-from-web") ? chunks : undefined;
    });
    expect(logs.find((c) => c.stream === "stderr")?.data.toString()).toContain("to-stderr");
  });

  it("puts resources, env, labels and the sandbox's namespaces into docker inspect", () => {
    const web = dockerInspect(webId);
    expect(web.HostConfig.CpuShares).toBe(512);
    expect(web.HostConfig.CpuQuota).toBe(50000);
    expect(web.HostConfig.CpuPeriod).toBe(100000);
    expect(web.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(web.HostConfig.NetworkMode).toBe(`container:${sandboxId}`);
    expect(web.HostConfig.IpcMode).toBe(`container:${sandboxId}`);
    expect(web.Config.Env).toContain("GREETING=hi");
    expect(web.Config.Entrypoint).toEqual(["sh", "-c"]);
    expect(web.Config.Labels["io.kubernetes.container.name"]).toBe("web");
    expect(web.Name).toBe(`/k8s_web_twoc_default_${cfg.metadata.uid}_0`);
  });

  it("gives containers of a pooled sandbox the pod's hostname", async () => {
    const out = await client.call("ExecSync", { container_id: webId, cmd: ["hostname"], timeout: 10 });
    expect(out.stdout.toString().trim()).toBe("twoc");
  });

  it("lists and reports containers", async () => {
    const { containers } = await client.call("ListContainers", { filter: { pod_sandbox_id: sandboxId } });
    expect(containers.map((c: { metadata: { name: string } }) => c.metadata.name).sort()).toEqual(["client", "web"]);
    const { status } = await client.call("ContainerStatus", { container_id: webId });
    expect(status.state).toBe("CONTAINER_RUNNING");
    expect(status.image.image).toBe("busybox");
    expect(status.image_ref).toMatch(/^sha256:/);
    expect(status.started_at).toBeGreaterThan(status.created_at);
    expect(status.labels.tier).toBe("web");
    const byLabel = await client.call("ListContainers", { filter: { label_selector: { tier: "web" } } });
    expect(byLabel.containers.map((c: { id: string }) => c.id)).toEqual([webId]);
  });

  it("runs ExecSync with stdout, stderr and the exit code", async () => {
    const out = await client.call("ExecSync", { container_id: webId, cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"], timeout: 10 });
    expect(out.stdout.toString()).toBe("out\n");
    expect(out.stderr.toString()).toBe("err\n");
    expect(out.exit_code).toBe(3);
  });

  it("runs an interactive Exec with stdin", async () => {
    const call = client.runtime.Exec();
    const out: Buffer[] = [];
    const exit = new Promise<number>((resolve, reject) => {
      call.on("data", (m: { stdout?: Buffer; exit_code?: number; msg?: string }) => {
        if (m.msg === "stdout" && m.stdout) out.push(m.stdout);
        if (m.msg === "exit_code") resolve(m.exit_code!);
      });
      call.on("error", reject);
    });
    call.write({ start: { container_id: webId, cmd: ["sh", "-c", "read line; echo got:$line; exit 7"], stdin: true, stdout: true, stderr: true } });
    call.write({ stdin: Buffer.from("ping\n") });
    expect(await exit).toBe(7);
    call.end();
    expect(Buffer.concat(out).toString()).toBe("got:ping\n");
  });

  it("forwards a TCP connection into the pod's network namespace", async () => {
    const call = client.runtime.PortForward();
    const body = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = [];
      call.on("data", (m: { data: Buffer }) => parts.push(m.data));
      call.on("end", () => resolve(Buffer.concat(parts).toString()));
      call.on("error", reject);
      call.write({ start: { pod_sandbox_id: sandboxId, port: 8080 } });
      call.write({ data: Buffer.from("GET / HTTP/1.0\r\nHost: x\r\n\r\n") });
    });
    expect(body).toMatch(/^HTTP\/1\.[01] 200/);
    expect(body).toContain("hello-from-web");
  });

  it("fails a pull of a missing tag with NOT_FOUND and pulls an existing one", async () => {
    const err = await client.call("PullImage", { image: { image: "nginx:1.24.0-does-not-exist" } }).catch((e) => e);
    expect(err.code).toBe(Status.NOT_FOUND);
    expect(err.details).toMatch(/manifest unknown|not found/);
    const ok = await client.call("PullImage", { image: { image: "httpd:2.4-alpine" } });
    expect(ok.image_ref).toMatch(/^sha256:/);
    const st = await client.call("ImageStatus", { image: { image: "httpd:2.4-alpine" } });
    expect(st.image.id).toBe(ok.image_ref);
    const missing = await client.call("ImageStatus", { image: { image: "nginx:nope-nope" } });
    expect(missing.image).toBeNull();
  });

  it("maps a missing container to NOT_FOUND", async () => {
    const err = await client.call("ContainerStatus", { container_id: "0123456789abcdef" }).catch((e) => e);
    expect(err.code).toBe(Status.NOT_FOUND);
  });

  it("reports exit codes and reasons", async () => {
    const { pod_sandbox_id: sid } = await client.call("RunPodSandbox", { config: podConfig("exits") });
    const sc = podConfig("exits");
    const ok = await createAndStart(sid, sc, { metadata: { name: "ok" }, image: { image: "busybox" }, command: ["true"] });
    const bad = await createAndStart(sid, sc, { metadata: { name: "bad" }, image: { image: "busybox" }, command: ["sh", "-c", "exit 4"] });
    const okStatus = await until(async () => {
      const s = (await client.call("ContainerStatus", { container_id: ok })).status;
      return s.state === "CONTAINER_EXITED" ? s : undefined;
    });
    expect(okStatus).toMatchObject({ exit_code: 0, reason: "Completed" });
    const badStatus = await until(async () => {
      const s = (await client.call("ContainerStatus", { container_id: bad })).status;
      return s.state === "CONTAINER_EXITED" ? s : undefined;
    });
    expect(badStatus).toMatchObject({ exit_code: 4, reason: "Error" });
    // Docker itself sometimes reports FinishedAt a millisecond or two before StartedAt for a
    // process that exits at once; allow that much.
    expect(badStatus.finished_at).toBeGreaterThanOrEqual(badStatus.started_at - 10_000_000);
  });

  it("publishes host ports on a fresh (not pooled) sandbox", async () => {
    const cfgPorts = podConfig("ports", { port_mappings: [{ protocol: "TCP", container_port: 80, host_port: 18089, host_ip: "127.0.0.1" }] });
    const { pod_sandbox_id: sid } = await client.call("RunPodSandbox", { config: cfgPorts });
    expect(dockerInspect(sid).HostConfig.PortBindings["80/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: "18089" }]);
    await createAndStart(sid, cfgPorts, { metadata: { name: "httpd" }, image: { image: "httpd:2.4-alpine" } });
    const text = await until(async () => {
      const r = await fetch("http://127.0.0.1:18089/");
      return r.ok ? r.text() : undefined;
    });
    expect(text).toContain("It works!");
    await client.call("StopPodSandbox", { pod_sandbox_id: sid });
    await client.call("RemovePodSandbox", { pod_sandbox_id: sid });
    await client.call("RemovePodSandbox", { pod_sandbox_id: sid }); // idempotent
    const { items } = await client.call("ListPodSandbox", { filter: { id: sid } });
    expect(items).toEqual([]);
  });

  it("finds every sandbox and container again after a restart, without touching them", async () => {
    const before = await client.call("ListPodSandbox", {});
    const beforeContainers = await client.call("ListContainers", {});
    const startedAt = dockerInspect(webId).State.StartedAt;
    client.close();
    await shim.stop(false);
    await startShim();
    const after = await client.call("ListPodSandbox", {});
    const afterContainers = await client.call("ListContainers", {});
    const key = (xs: { id: string }[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
    expect(key(after.items)).toEqual(key(before.items));
    expect(key(afterContainers.containers)).toEqual(key(beforeContainers.containers));
    expect(dockerInspect(webId).State.StartedAt).toBe(startedAt);
    expect(dockerInspect(webId).State.Running).toBe(true);
    const pod = after.items.find((s: { id: string }) => s.id === sandboxId);
    expect(pod.labels.app).toBe("twoc");
    expect(pod.annotations.note).toBe("hello");
  });

  it("stops and removes a sandbox with its containers", async () => {
    await client.call("StopPodSandbox", { pod_sandbox_id: sandboxId });
    const { status } = await client.call("PodSandboxStatus", { pod_sandbox_id: sandboxId });
    expect(status.state).toBe("SANDBOX_NOTREADY");
    const web = (await client.call("ContainerStatus", { container_id: webId })).status;
    expect(web.state).toBe("CONTAINER_EXITED");
    await client.call("RemovePodSandbox", { pod_sandbox_id: sandboxId });
    const err = await client.call("ContainerStatus", { container_id: clientId }).catch((e) => e);
    expect(err.code).toBe(Status.NOT_FOUND);
  });
});

function collectLogs(containerId: string, opts: object): Promise<{ data: Buffer; stream: string }[]> {
  return new Promise((resolve, reject) => {
    const chunks: { data: Buffer; stream: string }[] = [];
    const call = client.runtime.ContainerLogs({ container_id: containerId, tail_lines: -1, ...opts });
    call.on("data", (c: { data: Buffer; stream: string }) => chunks.push(c));
    call.on("end", () => resolve(chunks));
    call.on("error", reject);
  });
}
