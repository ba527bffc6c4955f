// Self-test of the integration harness: the suites that build on it are only as
// trustworthy as its start/stop/cleanup behaviour.
import { Etcd3 } from "etcd3";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startApiServer } from "./apiserver.js";
import { startEtcdCluster, type EtcdCluster } from "./etcd-cluster.js";
import { kubeconfigFor, kubectl, startKubectl } from "./kubectl.js";
import { freePorts } from "./ports.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("ports", () => {
  it("hands out distinct ports", async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe("etcd cluster", () => {
  let etcd: EtcdCluster | undefined;
  const clients: Etcd3[] = [];
  const client = (hosts: string[]) => {
    const c = new Etcd3({ hosts });
    clients.push(c);
    return c;
  };

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await etcd?.stop();
  });

  it("starts 3 members that agree on writes", async () => {
    etcd = await startEtcdCluster({ members: 3, name: "harness" });
    expect(etcd.endpoints).toHaveLength(3);
    expect(etcd.pids()).toHaveLength(3);
    await client([etcd.endpoints[0]!]).put("/harness/a").value("1");
    expect(await client([etcd.endpoints[2]!]).get("/harness/a").string()).toBe("1");
  });

  it("keeps serving writes with one member down, and the member catches up", async () => {
    const cluster = etcd!;
    const [first, ...rest] = cluster.pids();
    await cluster.stopMember(0, { kill: true });
    expect(alive(first!)).toBe(false);
    expect(cluster.pids()).toEqual(rest);

    const survivors = client(cluster.endpoints.slice(1));
    await survivors.put("/harness/b").value("2");
    expect(await survivors.get("/harness/b").string()).toBe("2");

    await cluster.startMember(0);
    expect(cluster.pids()).toHaveLength(3);
    expect(await client([cluster.endpoints[0]!]).get("/harness/b").string()).toBe("2");
  });

  it("stop() leaves no process and no data dir behind", async () => {
    const cluster = etcd!;
    const pids = cluster.pids();
    expect(pids).toHaveLength(3);
    clients.splice(0).forEach((c) => c.close());
    await cluster.stop();
    etcd = undefined;
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(cluster.dataDir)).toBe(false);
  });
});

// The harness's apiserver launcher is tested against a stand-in entry script, so its
// contract (flags, readiness, logs, restart on the same port) holds whatever the real one does.
describe("apiserver launcher", () => {
  const dir = mkdtempSync(join(tmpdir(), "kates-harness-stub-"));
  const stub = join(dir, "stub.mjs");
  writeFileSync(
    stub,
    `import http from "node:http";
const flag = (n) => process.argv.find((a) => a.startsWith("--" + n + "="))?.slice(n.length + 3);
let ready = false;
http.createServer((req, res) => {
  if (req.url === "/readyz") { res.statusCode = ready ? 200 : 503; return res.end(); }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ argv: process.argv.slice(2), env: process.env.STUB_ENV ?? null }));
}).listen(Number(flag("port")), flag("bind-address"), () => {
  console.log(JSON.stringify({ msg: "listening" }));
  setTimeout(() => { ready = true; }, 300);
});
process.on("SIGTERM", () => process.exit(0));
`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes flags and env, waits for /readyz, restarts on the same port, and kills", async () => {
    const api = await startApiServer({
      etcdEndpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"],
      extraArgs: ["--advertise-address=127.0.0.9", "--extra"],
      env: { STUB_ENV: "yes" },
      main: stub,
    });
    try {
      const first = (await (await fetch(api.url)).json()) as { argv: string[]; env: string };
      expect(first.env).toBe("yes");
      expect(first.argv).toContain("--etcd-servers=http://127.0.0.1:1,http://127.0.0.1:2");
      expect(first.argv).toContain(`--port=${api.port}`);
      expect(first.argv).toContain("--advertise-address=127.0.0.9");
      expect(first.argv).not.toContain("--advertise-address=127.0.0.1");
      expect(api.logs()).toContain("listening");

      const oldPid = api.pid;
      await api.restart();
      expect(api.pid).not.toBe(oldPid);
      expect(alive(oldPid)).toBe(false);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);

      const pid = api.pid;
      await api.kill();
      expect(alive(pid)).toBe(false);
    } finally {
      await api.stop();
    }
  });

  it("fails with the process output when the server exits early", async () => {
    const crash = join(dir, "crash.mjs");
    writeFileSync(crash, `console.error("boom: bad flag"); process.exit(3);`);
    await expect(startApiServer({ etcdEndpoints: [], main: crash })).rejects.toThrow(/boom: bad flag/);
  });
});

describe("kubectl", () => {
  it("runs the real kubectl with a kubeconfig pointing at the server", async () => {
    const server = "http://127.0.0.1:1";
    const r = await kubectl(["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"], { server });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(server);
    expect(existsSync(kubeconfigFor(server))).toBe(true);
  });

  it("reports a failing command's exit code and stderr", async () => {
    const r = await kubectl(["get", "pods", "--request-timeout=2s"], { server: "http://127.0.0.1:1" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/refused|unable to connect/i);
  });

  it("streams output of a long-running kubectl and stops it", async () => {
    // `kubectl proxy` runs until signalled without contacting the server first.
    const run = startKubectl(["proxy", "--port=0", "--address=127.0.0.1"], { server: "http://127.0.0.1:1" });
    await run.waitForOutput(/Starting to serve on 127\.0\.0\.1:\d+/);
    const r = await run.stop();
    expect(r.code).toBe(-1);
    expect(r.stdout).toMatch(/Starting to serve/);
  });
});
