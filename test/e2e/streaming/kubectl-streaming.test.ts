// The real kubectl's logs, exec and port-forward through the kates apiserver (a real process
// on real etcd) to the kubelet's streaming server, run in-process over a fake runtime: this
// checks the wire path end to end (kubectl's WebSocket/SPDY framing, the apiserver's proxying
// and upgrade pipe, the kubelet server's protocol handling) without containers.
import { execFile } from "node:child_process";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubeconfigFor, kubectl, startKubectl, type KubectlResult } from "../../harness/kubectl.js";
import { freePort } from "../../harness/ports.js";
import { newLogger } from "@kates/component-base";
import { startKubeletServer, type KubeletServer, type ResolvedPod } from "../../../packages/kubelet/src/server/index.js";
import { fakeRuntime } from "./fake-runtime.js";

let cp: ControlPlane;
let kubelet: KubeletServer;
let httpServer: http.Server;
let echoServer: net.Server;
const logs = {
  lines: { "c-app": ["line 1", "line 2", "line 3", "line 4", "line 5"], "c-app-prev": ["previous run"], "c-side": ["side car"] },
  followLines: ["later 1", "later 2", "later 3"],
};
let runtime: ReturnType<typeof fakeRuntime>;

const k = (args: string[], input?: string): Promise<KubectlResult> => kubectl(["--request-timeout=20s", ...args], { server: cp.url, input, timeoutMs: 30_000 });
const ok = (r: KubectlResult) => { expect(r.code, `kubectl failed:\n${r.stderr}\n${r.stdout}`).toBe(0); return r.stdout; };

async function api(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<unknown> {
  const res = await fetch(cp.url + path, { method, headers: { "Content-Type": contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const pods = new Map<string, ResolvedPod>([
  ["default/web", { sandboxId: "sb-web", defaultContainer: "app", containers: new Map([["app", { id: "c-app", previousId: "c-app-prev" }], ["side", { id: "c-side" }]]) }],
]);

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  httpServer = http.createServer((req, res) => res.end(`hello from pod, you asked for ${req.url}`));
  echoServer = net.createServer((s) => s.pipe(s));
  const [httpPort, echoPort] = [await listen(httpServer), await listen(echoServer)];
  const ports = new Map([[80, httpPort], [7, echoPort]]);
  runtime = fakeRuntime(logs, ports);

  cp = await startControlPlane({ etcdMembers: 1, name: "streaming-e2e" });
  kubelet = await startKubeletServer({
    host: "127.0.0.1", port: 0, runtime, log: newLogger("kubelet-server", "error"),
    resolvePod: (ns, name) => pods.get(`${ns}/${name}`),
  });
  await api("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "fake-node" } });
  await api("PATCH", "/api/v1/nodes/fake-node/status", {
    status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: "fake-node" }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  }, "application/merge-patch+json");
  const pod = (name: string) => ({
    apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: "app", image: "busybox", ports: [{ containerPort: 80 }] }, { name: "side", image: "busybox" }] },
  });
  await api("POST", "/api/v1/namespaces/default/pods", pod("web"));
  await api("POST", "/api/v1/namespaces/default/pods", pod("pending"));
  await api("POST", "/api/v1/namespaces/default/pods/web/binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "web" }, target: { apiVersion: "v1", kind: "Node", name: "fake-node" } });
  await api("PATCH", "/api/v1/namespaces/default/pods/web/status", { status: { phase: "Running" } }, "application/merge-patch+json");
  await api("POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 8080, targetPort: 80 }] },
  });
});

afterAll(async () => {
  await kubelet?.close();
  await cp?.stop();
  httpServer?.close();
  echoServer?.close();
});

describe("kubectl logs", () => {
  it("prints the first container's log", async () => {
    expect(ok(await k(["logs", "web"]))).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
  });

  it("honours -c, --tail, --previous and --timestamps", async () => {
    expect(ok(await k(["logs", "web", "-c", "side"]))).toBe("side car\n");
    expect(ok(await k(["logs", "web", "--tail=2"]))).toBe("line 4\nline 5\n");
    expect(ok(await k(["logs", "web", "--previous"]))).toBe("previous run\n");
    expect(ok(await k(["logs", "web", "--tail=1", "--timestamps"]))).toBe("2024-01-01T00:00:00.000000000Z line 5\n");
  });

  it("follows until the log ends (-f)", async () => {
    const f = startKubectl(["logs", "-f", "web"], { server: cp.url, timeoutMs: 30_000 });
    await f.waitForOutput("line 5\n");
    // The first lines arrive before the log ends: the body is streamed, not buffered.
    expect(f.stdout()).not.toContain("later 3");
    await f.waitForOutput("later 3\n", 5_000);
    const r = await f.stop();
    expect(r.stdout).toBe("line 1\nline 2\nline 3\nline 4\nline 5\nlater 1\nlater 2\nlater 3\n");
  });

  it("stops reading the container's log when kubectl goes away", async () => {
    logs.followLines.push(...Array.from({ length: 30 }, (_, i) => `slow ${i}`));
    try {
      const f = startKubectl(["logs", "-f", "web"], { server: cp.url, timeoutMs: 30_000 });
      await f.waitForOutput("slow 0\n", 5_000);
      const before = runtime.abortedLogs;
      await f.stop();
      await new Promise((r) => setTimeout(r, 500));
      expect(runtime.abortedLogs).toBe(before + 1);
    } finally {
      logs.followLines.splice(3);
    }
  });

  it("reports Kubernetes' errors for a bad container and an unscheduled pod", async () => {
    const bad = await k(["logs", "web", "-c", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("container nope is not valid for pod web");
    const pending = await k(["logs", "pending"]);
    expect(pending.code).not.toBe(0);
    expect(pending.stderr).toContain("pod pending does not have a host assigned");
  });
});

describe("kubectl exec", () => {
  it("runs a command and prints its output", async () => {
    expect(ok(await k(["exec", "web", "--", "echo", "hi", "there"]))).toBe("hi there\n");
  });

  it("passes stdin with -i and ends at EOF", async () => {
    expect(ok(await k(["exec", "-i", "web", "--", "cat"], "hello\nworld\n"))).toBe("hello\nworld\n");
  });

  it("separates stderr", async () => {
    const r = await k(["exec", "web", "-c", "side", "--", "warn"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("oops\n");
  });

  it("exits with the command's exit code", async () => {
    const r = await k(["exec", "web", "--", "sh", "-c", "exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("command terminated with exit code 3");
  });

  it("sends the terminal size with -it", async () => {
    // script(1) gives kubectl a pseudo-terminal, so it really enters TTY mode.
    const cmd = `stty cols 100 rows 30; kubectl --kubeconfig=${kubeconfigFor(cp.url)} --request-timeout=20s exec -it web -- size`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile("script", ["-qec", cmd, "/dev/null"], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(out).toContain("size 100x30");
  });

  it("prints the runtime's error and the server's errors", async () => {
    const missing = await k(["exec", "web", "--", "nosuchcmd"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("executable file not found");
    const bad = await k(["exec", "web", "-c", "nope", "--", "echo"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("container nope is not valid for pod web");
  });
});

async function tcpRoundTrip(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => s.end(payload));
    const chunks: Buffer[] = [];
    s.on("data", (d) => chunks.push(d));
    s.on("end", () => resolve(Buffer.concat(chunks).toString()));
    s.on("error", reject);
  });
}

/** Runs `fn` while `kubectl port-forward ARGS` forwards; failures carry kubectl's output. */
async function withPortForward(args: string[], ready: string, fn: () => Promise<void>): Promise<void> {
  const pf = startKubectl(["port-forward", ...args], { server: cp.url, timeoutMs: 60_000 });
  try {
    await pf.waitForOutput(ready, 15_000);
    await fn();
  } catch (err) {
    const r = await pf.stop();
    throw new Error(`${(err as Error).message}\nkubectl port-forward printed:\n${r.stdout}\n${r.stderr}`, { cause: err });
  }
  await pf.stop();
}

describe("kubectl port-forward", () => {
  it("carries HTTP requests to the pod's port (pod/NAME)", async () => {
    const local = await freePort();
    await withPortForward(["pod/web", `${local}:80`], `Forwarding from 127.0.0.1:${local} -> 80`, async () => {
      for (const path of ["/a", "/b"]) {
        const res = await fetch(`http://127.0.0.1:${local}${path}`, { headers: { Connection: "close" } });
        expect(await res.text()).toBe(`hello from pod, you asked for ${path}`);
      }
      expect(runtime.portForwards.filter((p) => p.port === 80).length).toBeGreaterThanOrEqual(2);
      expect(runtime.portForwards.every((p) => p.sandbox === "sb-web")).toBe(true);
    });
  });

  it("reports a refused connection on the error stream and keeps forwarding", async () => {
    const local = await freePort();
    const pf = startKubectl(["port-forward", "pod/web", `${local}:81`], { server: cp.url, timeoutMs: 60_000 });
    try {
      await pf.waitForOutput("-> 81", 15_000);
      await fetch(`http://127.0.0.1:${local}/`).then((r) => r.text()).catch(() => "");
      const deadline = Date.now() + 5_000;
      while (!pf.stderr().includes("error forwarding port 81") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(pf.stderr()).toContain("error forwarding port 81 to pod web");
    } finally {
      await pf.stop();
    }
  });

  it("resolves svc/NAME to the target port and carries raw TCP both ways", async () => {
    const local = await freePort();
    await withPortForward(["svc/web", `${local}:8080`], `Forwarding from 127.0.0.1:${local} -> 80`, async () => {
      const res = await fetch(`http://127.0.0.1:${local}/svc`, { headers: { Connection: "close" } });
      expect(await res.text()).toBe("hello from pod, you asked for /svc");
    });
    const echo = await freePort();
    await withPortForward(["pod/web", `${echo}:7`], "-> 7", async () => {
      const big = "x".repeat(200_000) + "end";
      expect(await tcpRoundTrip(echo, big)).toBe(big);
    });
  });
});

/** apiserver_request_total for the given label set ('verb="CONNECT",...'), 0 when absent. */
async function requestCount(labels: string): Promise<number> {
  const text = await (await fetch(cp.url + "/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`apiserver_request_total{${labels}} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

/** Sends a WebSocket upgrade the way kubectl does and returns the refusal's code and body. */
function refusedUpgrade(path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(cp.url + path, {
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io" },
    });
    req.on("upgrade", (_res, socket) => { socket.destroy(); reject(new Error("upgrade unexpectedly accepted")); });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("upgrades pass the apiserver's request filters", () => {
  const switched = (sub: string) => `verb="CONNECT",resource="pods",subresource="${sub}",code="101"`;

  it("counts kubectl exec and port-forward as CONNECT pods/<subresource> with code 101", async () => {
    const before = await requestCount(switched("exec"));
    expect(ok(await k(["exec", "web", "--", "echo", "counted"]))).toBe("counted\n");
    expect(await requestCount(switched("exec"))).toBe(before + 1);
    const pfBefore = await requestCount(switched("portforward"));
    const local = await freePort();
    await withPortForward(["pod/web", `${local}:80`], `Forwarding from 127.0.0.1:${local} -> 80`, async () => {
      const res = await fetch(`http://127.0.0.1:${local}/m`, { headers: { Connection: "close" } });
      expect(await res.text()).toBe("hello from pod, you asked for /m");
    });
    expect(await requestCount(switched("portforward"))).toBeGreaterThan(pfBefore);
  });

  it("answers and counts a refused exec into a missing pod with 404", async () => {
    const labels = 'verb="CONNECT",resource="pods",subresource="exec",code="404"';
    const before = await requestCount(labels);
    const r = await refusedUpgrade("/api/v1/namespaces/default/pods/nosuchpod/exec?command=ls&stdout=true");
    expect(r.code).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
    expect(await requestCount(labels)).toBe(before + 1);
    // The same structured request line express routes get.
    const line = cp.apiservers[0]!.logs().split("\n").filter((l) => l.includes('"name":"nosuchpod"') && l.includes('"msg":"request"')).pop();
    expect(line && JSON.parse(line)).toMatchObject({ verb: "get", resource: "pods", subresource: "exec", namespace: "default", code: 404 });
  });
});
