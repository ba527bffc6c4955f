// kates-dns as a real process (from dist) against a real apiserver and etcd: Services and
// EndpointSlices are created through the API, names are resolved with node:dns's Resolver
// pointed at the daemon's loopback port, names outside the cluster go to a fake upstream
// started here, and the kube-dns self-registration is checked in the API.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Endpoints, type Lease, type Service } from "@kates/api";
import { formatMicroTime, RestClient } from "@kates/client";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";
import { startControllerManager, until, type InProcessControllerManager } from "../controllers-cluster/cluster.js";

const DNS_MAIN = resolve(REPO_ROOT, "packages/dns/dist/main.js");
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;

let cp: ControlPlane;
let rest: RestClient;
let dns: ChildProcess;
let cm: InProcessControllerManager;
let dnsPort: number;
let healthPort: number;
let upstream: dgram.Socket;
const upstreamQueries: string[] = [];
const logs = new OutputTail(2_000_000);

/** A fake upstream: answers every A query with 192.0.2.7 (a documentation address). */
async function startUpstream(): Promise<number> {
  upstream = dgram.createSocket("udp4");
  upstream.on("message", (msg, rinfo) => {
    // Question section starts at 12; the name ends at the first zero length byte.
    let p = 12;
    const labels: string[] = [];
    while (msg[p]) {
      labels.push(msg.toString("latin1", p + 1, p + 1 + msg[p]!));
      p += msg[p]! + 1;
    }
    upstreamQueries.push(labels.join("."));
    const question = msg.subarray(12, p + 5);
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // response, RD, RA, NOERROR
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6);
    header.writeUInt32BE(0, 8);
    const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
    upstream.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()));
  return upstream.address().port;
}

function resolver(): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers([`127.0.0.1:${dnsPort}`]);
  return r;
}

const services = (ns = "default") => rest.resource<Service>(ri("", "services"), ns);
const slices = (ns = "default") => rest.resource<EndpointSlice>(ri("discovery.k8s.io", "endpointslices"), ns);

beforeAll(async () => {
  cp = await startControlPlane({ name: "dns", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "dns-test" });
  // The endpoint controllers run too: they must leave the selector-less kube-dns alone.
  cm = startControllerManager(cp.url, ["endpoints", "endpointslice"]);
  const upstreamPort = await startUpstream();
  dnsPort = await freePort();
  healthPort = await freePort();
  dns = spawn(process.execPath, [
    "--enable-source-maps", DNS_MAIN,
    `--server=${cp.url}`, "--bind-address=127.0.0.1", `--port=${dnsPort}`, `--health-port=${healthPort}`,
    `--upstream=127.0.0.1:${upstreamPort}`, "--upstream-timeout=500ms", "--advertise-address=127.0.0.1", "--lease-renew-interval=1s", "--lease-duration=3s",
  ], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  trackChild(dns);
  dns.stdout?.on("data", (c: Buffer) => logs.push(c));
  dns.stderr?.on("data", (c: Buffer) => logs.push(c));
  await until(async () => {
    if (dns.exitCode !== null) throw new Error(`kates-dns exited:\n${logs.toString()}`);
    const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }, 30_000, "kates-dns /readyz");
});

afterAll(async () => {
  if (dns) await terminate(dns, 10_000, "SIGTERM");
  await cm?.stop();
  upstream?.close();
  rest?.close();
  await cp?.stop();
});

describe("kates-dns", () => {
  it("answers ClusterIP Services, SRV for named ports, and follows changes within a second", async () => {
    const r = resolver();
    const created = await services().create({
      apiVersion: "v1", kind: "Service", metadata: { name: "redis" },
      spec: { selector: { app: "redis" }, ports: [{ name: "tcp-redis", port: 6379, protocol: "TCP" }] },
    });
    const ip = created.spec!.clusterIP!;
    const t0 = Date.now();
    const a = await until(async () => (await r.resolve4("redis.default.svc.cluster.local").catch(() => undefined)), 1000, "redis A");
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(a).toEqual([ip]);
    expect(await r.resolve4("REDIS.default.svc.cluster.local.")).toEqual([ip]);
    expect(await r.resolveSrv("_tcp-redis._tcp.redis.default.svc.cluster.local")).toEqual([{ name: "redis.default.svc.cluster.local", port: 6379, priority: 0, weight: 100 }]);
    // v4-only: AAAA is NODATA (ENODATA), an unknown name NXDOMAIN (ENOTFOUND).
    await expect(r.resolve6("redis.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENODATA" });
    await expect(r.resolve4("nope.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(await r.reverse(ip)).toEqual(["redis.default.svc.cluster.local"]);

    await services().delete("redis");
    const t1 = Date.now();
    await until(async () => (await r.resolve4("redis.default.svc.cluster.local").then(() => undefined, (e: { code?: string }) => (e.code === "ENOTFOUND" ? true : undefined))), 1000, "redis gone");
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  it("answers headless Services with one record per ready endpoint and per-pod hostnames", async () => {
    const r = resolver();
    await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] } });
    await slices().create({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
      metadata: { name: "db-manual", labels: { "kubernetes.io/service-name": "db" } },
      addressType: "IPv4",
      endpoints: [
        { addresses: ["10.244.1.10"], hostname: "db-0", conditions: { ready: true } },
        { addresses: ["10.244.2.11"], hostname: "db-1", conditions: { ready: true } },
        { addresses: ["10.244.3.12"], hostname: "db-2", conditions: { ready: false } },
      ],
      ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    });
    const a = await until(async () => {
      const got = await r.resolve4("db.default.svc.cluster.local").catch(() => []);
      return got.length === 2 ? got : undefined;
    }, 1000, "two db addresses");
    expect(a.sort()).toEqual(["10.244.1.10", "10.244.2.11"]);
    expect(await r.resolve4("db-1.db.default.svc.cluster.local")).toEqual(["10.244.2.11"]);
    const srv = await r.resolveSrv("_pg._tcp.db.default.svc.cluster.local");
    expect(srv.map((s) => `${s.name}:${s.port}:${s.weight}`).sort()).toEqual(["db-0.db.default.svc.cluster.local:5432:50", "db-1.db.default.svc.cluster.local:5432:50"]);

    // Readiness flips are picked up from the slice.
    const s = await slices().get("db-manual");
    s.endpoints[2]!.conditions = { ready: true };
    await slices().update(s);
    const t0 = Date.now();
    await until(async () => ((await r.resolve4("db.default.svc.cluster.local")).length === 3 ? true : undefined), 1000, "three db addresses");
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("forwards other names to the upstream, and answers ExternalName with its chased CNAME", async () => {
    const r = resolver();
    expect(await r.resolve4("www.example.org")).toEqual(["192.0.2.7"]);
    expect(upstreamQueries).toContain("www.example.org");
    await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "backend.example.net" } });
    const cname = await until(async () => (await r.resolveCname("ext.default.svc.cluster.local").catch(() => undefined)), 1000, "ext CNAME");
    expect(cname).toEqual(["backend.example.net"]);
    expect(await r.resolve4("ext.default.svc.cluster.local")).toEqual(["192.0.2.7"]);
    expect(upstreamQueries).toContain("backend.example.net");
  });

  it("serves TCP with the same answers", async () => {
    const dig = spawnSync("dig", ["-v"], { encoding: "utf8" });
    const created = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "tcp-check" }, spec: { ports: [{ port: 80 }] } });
    await until(async () => (await resolver().resolve4("tcp-check.default.svc.cluster.local").catch(() => undefined)), 1000, "tcp-check A");
    const answer = await tcpQuery(dnsPort, "tcp-check.default.svc.cluster.local");
    expect(answer).toEqual(created.spec!.clusterIP);
    if (dig.error) return; // dig is optional on this machine
    const out = spawnSync("dig", [`@127.0.0.1`, "-p", String(dnsPort), "+tcp", "+short", "tcp-check.default.svc.cluster.local"], { encoding: "utf8" });
    expect(out.stdout.trim()).toBe(created.spec!.clusterIP);
  });

  it("registers kube-system/kube-dns with its own EndpointSlice and Endpoints, and withdraws on SIGTERM", async () => {
    const svc = await until(async () => (await services("kube-system").get("kube-dns").catch(() => undefined)), 5000, "kube-dns Service");
    expect(svc.spec?.clusterIP).toBe("10.96.0.10");
    expect(svc.spec?.selector).toBeUndefined();
    expect(svc.metadata.labels).toMatchObject({ "k8s-app": "kube-dns" });
    expect(svc.spec?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}->${p.targetPort}`)).toEqual([`dns/UDP/53->${dnsPort}`, `dns-tcp/TCP/53->${dnsPort}`]);
    const slice = await until(async () => (await slices("kube-system").get("kube-dns-127-0-0-1").catch(() => undefined)), 5000, "kube-dns slice");
    expect(slice.metadata.labels).toMatchObject({ "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "kates-dns" });
    expect(slice.endpoints.map((e) => e.addresses)).toEqual([["127.0.0.1"]]);
    expect(slice.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`).sort()).toEqual([`dns-tcp/TCP/${dnsPort}`, `dns/UDP/${dnsPort}`]);
    const endpoints = rest.resource<Endpoints>(ri("", "endpoints"), "kube-system");
    // Another replica's address, written by hand with a live Lease, must survive our
    // read-modify-write; one without a Lease (a crashed replica) must not.
    const ep = await endpoints.get("kube-dns");
    expect(ep.subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual(["127.0.0.1"]);
    const now = formatMicroTime(Date.now());
    await rest.resource<Lease>(ri("coordination.k8s.io", "leases"), "kube-system").create({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "kates-dns-127-0-0-2", labels: { "k8s-app": "kates-dns" } },
      spec: { holderIdentity: "127.0.0.2", leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
    });
    ep.subsets![0]!.addresses!.push({ ip: "127.0.0.2" }, { ip: "127.0.0.9" });
    await endpoints.update(ep);
    // The daemon re-asserts its registration: a deleted slice comes back.
    // Give the endpoint controllers time to (wrongly) act on the selector-less Service.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await endpoints.get("kube-dns")).subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual(["127.0.0.1", "127.0.0.2"]);
    expect((await slices("kube-system").list({ labelSelector: "kubernetes.io/service-name=kube-dns" })).items.map((s) => s.metadata.name)).toEqual(["kube-dns-127-0-0-1"]);
    await slices("kube-system").delete("kube-dns-127-0-0-1");
    await until(async () => (await slices("kube-system").get("kube-dns-127-0-0-1").catch(() => undefined)), 5000, "kube-dns slice re-created");

    await terminate(dns, 10_000, "SIGTERM");
    expect(dns.exitCode).toBe(0);
    await expect(slices("kube-system").get("kube-dns-127-0-0-1")).rejects.toMatchObject({ code: 404 });
    const after = await endpoints.get("kube-dns");
    expect(after.subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual(["127.0.0.2"]);
  });
});

/** One A query over TCP with a hand-built message; returns the first address. */
async function tcpQuery(port: number, name: string): Promise<string | undefined> {
  const { connect } = await import("node:net");
  const qname = Buffer.concat([...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const msg = Buffer.concat([Buffer.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), qname, Buffer.from([0, 1, 0, 1])]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return new Promise((resolvePromise, reject) => {
    const sock = connect({ host: "127.0.0.1", port }, () => sock.write(Buffer.concat([len, msg])));
    let buf = Buffer.alloc(0);
    sock.on("error", reject);
    sock.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      sock.destroy();
      const res = buf.subarray(2);
      if (res.readUInt16BE(0) !== 0xabcd || res.readUInt16BE(6) < 1) return resolvePromise(undefined);
      // The answer's rdata are the last 4 bytes when there is exactly one A record.
      resolvePromise([...res.subarray(res.length - 4)].join("."));
    });
  });
}
