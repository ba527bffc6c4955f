/**
 * `npm run bench:net`: kube-proxy's data plane and control plane on this machine, in one bounded run.
 *
 * Setup (no Docker): a real etcd + apiserver on loopback, and a lab of network namespaces
 * (test/integration/kube-proxy/netns-lab.ts): a "node" running kube-proxy, one "pod" running
 * nginx (Debian) at 10.244.0.10, and two clients routed through the node: a "pod client" inside
 * the cluster CIDR (like a pod on another node) and an "outside client" (like a user's machine).
 * wrk (Debian) measures the same nginx each way a Service is meant to be used, against its pod IP
 * from the same kind of client (plain routing through the node; each target has its own client
 * namespace, see main()): a ClusterIP from the pod client (DNAT), a NodePort from the outside
 * client (DNAT plus masquerade); with keep-alive connections and with a new connection per request
 * (where NAT costs most). Throughput ratios are medians of per-round ratios. For reference: a
 * ClusterIP from outside the cluster CIDR (masqueraded too; the same nginx on port 8080), a
 * NodePort with externalTrafficPolicy Local, the userspace proxy, and the NodePort from two
 * outside clients taking turns (masquerade onto one address toward one backend port: the
 * backend's TIME_WAIT sockets then meet SYNs from the other client, which stall for a 1 s
 * retransmit; Kubernetes' kube-proxy has the same limit). Then 1,000 Services with 10 endpoints
 * each created through the API, timed until kube-proxy has them applied. TCP settings
 * (tcp_tw_reuse, port range) are set inside the client namespaces only, so the host's stay as
 * they are. Prints a table, then one JSON line with every figure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { findResource, type EndpointSlice, type Node, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.js";
import { NetnsLab } from "../test/integration/kube-proxy/netns-lab.js";
import { startNginx } from "./net/nginx.js";
import { oneChange, programServices, type ProgramResult } from "./net/program.js";
import { BenchProxy } from "./net/proxy-process.js";
import { runWrk, type WrkOptions, type WrkResult } from "./net/wrk.js";
import { ms, perSec, renderTable, times, verdict, type Row } from "./report.js";
import { round, summarize } from "./stats.js";

const WATCHDOG_MS = 420_000;
/** Seconds per wrk run, and interleaved runs per target (the median counts). */
const SECONDS = Number(process.env.KATES_BENCH_NET_SECONDS ?? 2);
const ROUNDS = Number(process.env.KATES_BENCH_NET_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.KATES_BENCH_NET_CONNECTIONS ?? 16);
const SERVICES = Number(process.env.KATES_BENCH_NET_SERVICES ?? 1000);
const ENDPOINTS = 10;
/** Extra kube-proxy flags for the data-plane runs, e.g. "--cluster-cidr=" to see the cost of masquerading the client. */
const PROXY_ARGS = (process.env.KATES_BENCH_NET_PROXY_ARGS ?? "").split(/\s+/).filter(Boolean);
const TARGET_RATIO = 0.9;
const TARGET_PROGRAM_MS = 1000;
const NODE = "bench-net-node";
/** The repository root, from bench/dist/bench/net.js. */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(1)}s]: ${msg}\n`);

let cp: ControlPlane | undefined;
let lab: NetnsLab | undefined;
let rest: RestClient | undefined;
const dir = mkdtempSync(join(tmpdir(), "kates-bench-net-"));

async function cleanup(): Promise<void> {
  await lab?.destroy().catch(() => {});
  lab = undefined;
  rest?.close();
  await cp?.stop().catch(() => {});
  cp = undefined;
  rmSync(dir, { recursive: true, force: true });
}

function need(cmd: string, pkg: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  } catch {
    log(`installing ${pkg} (apt-get)`);
    execFileSync("sh", ["-c", `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkg} >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkg} >/dev/null)`], { stdio: "inherit" });
  }
}

type Target = "direct" | "clusterip" | "nodeport" | "local" | "nodeport2";

/** Medians over the rounds, plus each round's req/s and that of the direct run of the same round. */
interface Measured extends WrkResult {
  perRound: number[];
  directPerRound: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Measures each target in ROUNDS interleaved short runs (direct, ClusterIP, NodePort, direct, ...)
 * and keeps the median of each figure, so the load other processes put on a shared machine drifts
 * over all targets alike instead of landing on one of them. `targets[0]` must be "direct": the
 * throughput ratios are medians of per-round ratios (each run against the direct run of its round).
 */
async function measure(client: Partial<Record<Target, string>>, urls: Record<Target, string>, targets: Target[], close: boolean): Promise<Record<Target, Measured>> {
  const o: WrkOptions = { threads: 1, connections: CONNECTIONS, seconds: SECONDS, newConnectionPerRequest: close };
  for (const t of targets) await runWrk(client[t]!, urls[t], { ...o, seconds: 1 }); // warm-up, not counted
  const runs = new Map<Target, WrkResult[]>(targets.map((t) => [t, []]));
  for (let r = 0; r < ROUNDS; r++) for (const t of targets) runs.get(t)!.push(await runWrk(client[t]!, urls[t], o));
  const out = {} as Record<Target, Measured>;
  const directRounds = runs.get(targets[0]!)!.map((x) => x.rps);
  for (const t of targets) {
    const rs = runs.get(t)!;
    const m: Measured = {
      rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), requests: rs.reduce((n, x) => n + x.requests, 0), errors: rs.reduce((n, x) => n + x.errors, 0),
      perRound: t === targets[0] ? directRounds : rs.map((x) => x.rps), directPerRound: directRounds,
    };
    log(`  ${close ? "new connection per request" : "keep-alive"} ${t}: ${Math.round(m.rps)} req/s (runs: ${rs.map((x) => Math.round(x.rps)).join(", ")}), p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${m.errors ? `, ${m.errors} errors` : ""}`);
    out[t] = m;
  }
  return out;
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]!;
  need("wrk", "wrk");
  need("nginx", "nginx-light");
  cp = await startControlPlane({ name: "bench-net", etcdMembers: 1, apiserver: { main: join(REPO, "packages/apiserver/dist/main.js") } });
  rest = new RestClient({ server: cp.url, userAgent: "bench-net", qps: 0 });
  lab = new NetnsLab().create();
  const apiUrl = await lab.relayApi(cp.apiservers[0]!.port);
  const pod = lab.addPod();
  // One client namespace (one source address) per target: conntrack keeps a TIME_WAIT entry per
  // connection for 120 s, and a DNATed SYN whose reply tuple (pod:80 -> client:port) matches the
  // entry of an earlier *direct* connection from the same address and port is dropped as a clash,
  // then retried after 1 s. Shared clients made the per-request figures measure that artifact.
  const podClients: Partial<Record<Target, string>> = { direct: lab.addPodClient(0).ns, clusterip: lab.addPodClient(1).ns };
  const clients: Record<Target, string> = { direct: lab.addClient(0), clusterip: lab.addClient(1), nodeport: lab.addClient(2), local: lab.addClient(3), nodeport2: lab.addClient(4) };
  for (const ns of [...Object.values(clients), ...Object.values(podClients)]) {
    for (const s of ["net.ipv4.tcp_tw_reuse=1", "net.ipv4.ip_local_port_range=1024 65000"]) execFileSync("ip", ["netns", "exec", ns, "sysctl", "-qw", s]);
  }
  startNginx(lab, pod, dir);

  await rest.resource<Node>(findResource("", "v1", "nodes")!).create({ apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { addresses: [{ type: "InternalIP", address: lab.nodeIP }] } });
  const web = await rest.resource<Service>(findResource("", "v1", "services")!, "default").create({
    apiVersion: "v1", kind: "Service", metadata: { name: "web" },
    spec: { type: "NodePort", ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }] },
  });
  await rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default").create({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-s", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4", endpoints: [{ addresses: [pod.ip], conditions: { ready: true } }], ports: [{ name: "http", port: 80, protocol: "TCP" }],
  });
  // Masqueraded traffic from two outside clients toward one backend port collides in the
  // backend's TIME_WAIT table (see the two-client phase below), so the masqueraded ClusterIP
  // reference from outside reaches the same nginx on another port: each measured path then
  // has the backend tuples to itself.
  const webAlt = await rest.resource<Service>(findResource("", "v1", "services")!, "default").create({
    apiVersion: "v1", kind: "Service", metadata: { name: "web-alt" },
    spec: { ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
  });
  await rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default").create({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-alt-s", labels: { "kubernetes.io/service-name": "web-alt" } },
    addressType: "IPv4", endpoints: [{ addresses: [pod.ip], conditions: { ready: true } }], ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  });
  // The same backend behind a NodePort with externalTrafficPolicy Local: no masquerade, so no SNAT port limit.
  const webLocal = await rest.resource<Service>(findResource("", "v1", "services")!, "default").create({
    apiVersion: "v1", kind: "Service", metadata: { name: "web-local" },
    spec: { type: "NodePort", externalTrafficPolicy: "Local", ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }] },
  });
  await rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default").create({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-local-s", labels: { "kubernetes.io/service-name": "web-local" } },
    addressType: "IPv4", endpoints: [{ addresses: [pod.ip], conditions: { ready: true }, nodeName: NODE }], ports: [{ name: "http", port: 80, protocol: "TCP" }],
  });
  const urls: Record<Target, string> = {
    direct: `http://${pod.ip}/`, clusterip: `http://${web.spec!.clusterIP}/`, nodeport: `http://${lab.nodeIP}:${web.spec!.ports![0]!.nodePort}/`,
    local: `http://${lab.nodeIP}:${webLocal.spec!.ports![0]!.nodePort}/`,
    nodeport2: `http://${lab.nodeIP}:${web.spec!.ports![0]!.nodePort}/`,
  };
  const outsideUrls: Record<Target, string> = { ...urls, clusterip: `http://${webAlt.spec!.clusterIP}/` };

  const proxy = new BenchProxy(lab, apiUrl, NODE, join(REPO, "packages/kube-proxy/dist/main.js"));
  proxy.start(...PROXY_ARGS);
  await proxy.until((h) => h.syncs > 0 && h.lastSyncedServices >= 4, 30_000, "first sync");

  log(`data plane, iptables mode: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s x ${ROUNDS} rounds; ClusterIP from the pod client, NodePort from the outside client`);
  // Judged pairs are measured on their own, the references (with their own direct runs) apart:
  // traffic of other targets between a pair's runs only adds noise to the judged ratio.
  const inCluster: Target[] = ["direct", "clusterip"];
  const podKeepAlive = await measure(podClients, urls, inCluster, false);
  const podPerRequest = await measure(podClients, urls, inCluster, true);
  const keepAlive = await measure(clients, outsideUrls, ["direct", "nodeport"], false);
  const perRequest = await measure(clients, outsideUrls, ["direct", "nodeport"], true);
  const references: Target[] = ["direct", "clusterip", "local"];
  const keepAliveRef = await measure(clients, outsideUrls, references, false);
  const perRequestRef = await measure(clients, outsideUrls, references, true);

  log("data plane, userspace mode (NodePort; ClusterIPs are bound on the node's lo, not reachable from the client)");
  await proxy.stop();
  await proxy.cleanup();
  proxy.start("--proxy-mode", "userspace");
  await proxy.until((h) => h.mode === "userspace" && h.syncs > 0, 30_000, "userspace sync");
  const userKeepAlive = await measure(clients, urls, ["nodeport"], false);
  const userPerRequest = await measure(clients, urls, ["nodeport"], true);
  await proxy.stop();

  log(`control plane: ${SERVICES} Services x ${ENDPOINTS} endpoints through the API`);
  proxy.start();
  const base = await proxy.until((h) => h.mode === "iptables" && h.syncs > 0 && h.applies > 0, 30_000, "iptables sync");
  log("data plane: the NodePort from two outside clients, alternating (both masqueraded onto the node's address, toward one backend port)");
  const twoClients = await measure(clients, urls, ["direct", "nodeport", "nodeport2"], true);

  const program: ProgramResult = await programServices(rest, proxy, base, "bench-net", SERVICES, ENDPOINTS);
  log(`  created in ${program.createMs} ms; programmed ${program.programmedMs} ms after the last change (${JSON.stringify(program.lastApplied)})`);
  const changes: number[] = [];
  for (let i = 0; i < 5; i++) changes.push((await oneChange(rest, proxy, "bench-net", (100 + i * 97) % SERVICES, ENDPOINTS, 1 + i)).ms);
  const change = summarize(changes);
  log(`  one endpoint change among ${SERVICES} Services: p50 ${change.p50} ms`);

  log(`data plane with ${SERVICES} Services in the nat table (new connection per request)`);
  const loaded = await measure(podClients, urls, ["direct", "clusterip"], true);

  log("cold start: kube-proxy started with everything already in the API and no rules in the kernel");
  await proxy.stop();
  await proxy.cleanup();
  const started = proxy.start();
  const cold = await proxy.until((h) => h.lastSyncedEndpoints >= base.lastSyncedEndpoints + SERVICES * ENDPOINTS && h.applies > 0, 60_000, "cold start");
  const coldMs = cold.lastAppliedAt - started;
  log(`  ${coldMs} ms from process start (${JSON.stringify(cold.lastApplied)})`);
  await proxy.stop();
  await proxy.cleanup();

  /** The median of per-round ratios when r and d come from the same measure(); of medians otherwise (userspace vs iptables direct). */
  const ratio = (r: Measured, d: Measured) => (r.directPerRound === d.perRound ? median(r.perRound.map((x, i) => x / d.perRound[i]!)) : r.rps / d.rps);
  const rows = (label: string, res: Record<string, Measured>, d: Measured, targets: string[], judge: boolean): Row[] =>
    targets.flatMap((t) => {
      const r = res[t]!;
      const q = ratio(r, d);
      return [
        { label: `${label} ${t} req/s`, api: perSec(r.rps), etcd: perSec(d.rps), ratio: times(q), target: judge ? verdict(q >= TARGET_RATIO, `>= ${TARGET_RATIO}x`) : "" },
        { label: `${label} ${t} p50`, api: ms(r.p50), etcd: ms(d.p50), ratio: times(r.p50 / d.p50) },
        { label: `${label} ${t} p99`, api: ms(r.p99), etcd: ms(d.p99), ratio: times(r.p99 / d.p99) },
      ];
    });
  const sections = [
    { title: `iptables, keep-alive (wrk -c${CONNECTIONS}, median of ${ROUNDS} interleaved ${SECONDS} s runs); ClusterIP from a pod, NodePort from outside`, rows: [...rows("keep-alive", podKeepAlive, podKeepAlive.direct, ["clusterip"], true), ...rows("keep-alive", keepAlive, keepAlive.direct, ["nodeport"], true)] },
    { title: "iptables, new connection per request; ClusterIP from a pod, NodePort from outside", rows: [...rows("per-request", podPerRequest, podPerRequest.direct, ["clusterip"], true), ...rows("per-request", perRequest, perRequest.direct, ["nodeport"], true)] },
    { title: "iptables, ClusterIP from outside the cluster CIDR (masqueraded; same nginx on port 8080; reference)", rows: [...rows("keep-alive outside", keepAliveRef, keepAliveRef.direct, ["clusterip"], false), ...rows("per-request outside", perRequestRef, perRequestRef.direct, ["clusterip"], false)] },
    { title: `iptables, new connection per request from a pod, ${SERVICES} Services loaded`, rows: rows("loaded", loaded, loaded.direct, ["clusterip"], false) },
    { title: "iptables, NodePort with externalTrafficPolicy Local from outside (not masqueraded; reference)", rows: [...rows("keep-alive", keepAliveRef, keepAliveRef.direct, ["local"], false), ...rows("per-request", perRequestRef, perRequestRef.direct, ["local"], false)] },
    {
      title: "iptables, NodePort per request from two outside clients taking turns (reference: SNAT onto one address meets the backend's TIME_WAIT; Kubernetes has the same limit)",
      rows: rows("two clients", twoClients, twoClients.direct, ["nodeport", "nodeport2"], false),
    },
    { title: "userspace proxy (for reference)", rows: [...rows("keep-alive", userKeepAlive, keepAlive.direct, ["nodeport"], false), ...rows("per-request", userPerRequest, perRequest.direct, ["nodeport"], false)] },
    {
      title: `programming ${SERVICES} Services x ${ENDPOINTS} endpoints`,
      rows: [
        { label: "API creates (Service + EndpointSlice each)", api: ms(program.createMs) },
        { label: "last API change -> rules applied", api: ms(program.programmedMs), target: verdict(program.programmedMs < TARGET_PROGRAM_MS, `< ${TARGET_PROGRAM_MS} ms`) },
        { label: "one endpoint change -> applied (p50 of 5)", api: ms(change.p50) },
        { label: "cold start -> all applied", api: ms(coldMs) },
        { label: "cold start iptables-restore", api: ms(Number(cold.lastApplied.restoreMs)), etcd: `${cold.lastApplied.restoreLines} lines` },
      ],
    },
  ];
  process.stdout.write(`\nbench:net on ${cpus().length} cores, load ${loadStart.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}; backend: nginx (Debian) in a network namespace, not a kates pod; wrk in client namespaces routed through the node\n`);
  process.stdout.write(`${renderTable(sections, { label: "metric", api: "via kube-proxy", etcd: "direct pod IP", ratio: "ratio", target: "target" })}\n`);

  const w = (prefix: string, r: WrkResult) => ({ [`${prefix}_rps`]: round(r.rps, 0), [`${prefix}_p50_ms`]: round(r.p50, 3), [`${prefix}_p99_ms`]: round(r.p99, 3), [`${prefix}_errors`]: r.errors });
  const json = {
    bench: "net", cores: cpus().length, load_start: round(loadStart), load_end: round(loadavg()[0]!), seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, backend: "nginx-in-netns",
    ...w("pod_keepalive_direct", podKeepAlive.direct), ...w("pod_keepalive_clusterip", podKeepAlive.clusterip),
    ...w("pod_perrequest_direct", podPerRequest.direct), ...w("pod_perrequest_clusterip", podPerRequest.clusterip),
    ...w("keepalive_direct", keepAlive.direct), ...w("keepalive_nodeport", keepAlive.nodeport), ...w("perrequest_direct", perRequest.direct), ...w("perrequest_nodeport", perRequest.nodeport),
    ...w("ref_keepalive_direct", keepAliveRef.direct), ...w("keepalive_clusterip", keepAliveRef.clusterip), ...w("ref_perrequest_direct", perRequestRef.direct), ...w("perrequest_clusterip", perRequestRef.clusterip),
    ...w("loaded_perrequest_direct", loaded.direct), ...w("loaded_perrequest_clusterip", loaded.clusterip),
    ...w("two_clients_perrequest_direct", twoClients.direct), ...w("two_clients_perrequest_nodeport", twoClients.nodeport), ...w("two_clients_perrequest_nodeport2", twoClients.nodeport2),
    two_clients_perrequest_nodeport_ratio: round(ratio(twoClients.nodeport, twoClients.direct)), two_clients_perrequest_nodeport2_ratio: round(ratio(twoClients.nodeport2, twoClients.direct)),
    ...w("keepalive_nodeport_local", keepAliveRef.local), ...w("perrequest_nodeport_local", perRequestRef.local),
    keepalive_nodeport_local_ratio: round(ratio(keepAliveRef.local, keepAliveRef.direct)), perrequest_nodeport_local_ratio: round(ratio(perRequestRef.local, perRequestRef.direct)),
    ...w("userspace_keepalive_nodeport", userKeepAlive.nodeport), ...w("userspace_perrequest_nodeport", userPerRequest.nodeport),
    keepalive_clusterip_ratio: round(ratio(podKeepAlive.clusterip, podKeepAlive.direct)), keepalive_nodeport_ratio: round(ratio(keepAlive.nodeport, keepAlive.direct)),
    perrequest_clusterip_ratio: round(ratio(podPerRequest.clusterip, podPerRequest.direct)), perrequest_nodeport_ratio: round(ratio(perRequest.nodeport, perRequest.direct)),
    outside_keepalive_clusterip_ratio: round(ratio(keepAliveRef.clusterip, keepAliveRef.direct)), outside_perrequest_clusterip_ratio: round(ratio(perRequestRef.clusterip, perRequestRef.direct)),
    loaded_perrequest_clusterip_ratio: round(ratio(loaded.clusterip, loaded.direct)),
    userspace_keepalive_nodeport_ratio: round(ratio(userKeepAlive.nodeport, keepAlive.direct)), userspace_perrequest_nodeport_ratio: round(ratio(userPerRequest.nodeport, perRequest.direct)),
    services: SERVICES, endpoints_per_service: ENDPOINTS, create_ms: program.createMs, programmed_ms: program.programmedMs,
    one_change_p50_ms: change.p50, cold_start_ms: coldMs, cold_restore_ms: Number(cold.lastApplied.restoreMs), cold_restore_lines: Number(cold.lastApplied.restoreLines),
    pass_throughput: [ratio(podKeepAlive.clusterip, podKeepAlive.direct), ratio(keepAlive.nodeport, keepAlive.direct), ratio(podPerRequest.clusterip, podPerRequest.direct), ratio(perRequest.nodeport, perRequest.direct)].every((q) => q >= TARGET_RATIO),
    pass_programming: program.programmedMs < TARGET_PROGRAM_MS,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

const watchdog = setTimeout(() => {
  log(`watchdog: run exceeded ${WATCHDOG_MS / 1000} s, cleaning up`);
  void cleanup().finally(() => process.exit(2));
}, WATCHDOG_MS);
main().then(
  async () => {
    clearTimeout(watchdog);
    await cleanup();
    process.exit(0);
  },
  async (err) => {
    clearTimeout(watchdog);
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
