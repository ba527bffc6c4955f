/**
 * `npm run bench:scheduler`: scheduling throughput end to end. Starts its own 3-member etcd
 * cluster, one apiserver (log level warn), one kates-scheduler process (leader election on)
 * and hollow kubelets (kates-kubelet --hollow in their own process, which also report the
 * bound pods Running), then:
 *   1. 1,000 pods on 100 nodes, 2. 5,000 pods on 1,000 nodes: pods/s bound, from the first
 *      create to the last binding seen on a watch (64 creates in flight);
 *   3. a 1,000-replica Deployment (kates-controller-manager with the deployment and
 *      replicaset controllers) until it reports all replicas available.
 * Prints a table, then one JSON line with every figure (always the last line).
 * KATES_BENCH_SCHED_PROF=DIR writes V8 CPU profiles of the scheduler into DIR;
 * KATES_BENCH_CPU_PROF=FILE profiles the apiserver (bench/cpu-profile.ts).
 * For work on the write path: KATES_BENCH_SCHED_ONLY=backlog (with KATES_BENCH_SCHED_PODS)
 * runs the backlog phase alone and prints CPU milliseconds per pod of the apiserver, etcd and
 * hollow nodes (steadier than pods/s on a shared machine), one apiserver profile per step, and
 * the apiserver's request counts; KATES_BENCH_APISERVER runs another apiserver build (A/B).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findResource, type Deployment, type Namespace, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { Algorithm, DEFAULT_FILTERS, DEFAULT_SCORES, SchedulerCache, podInfo } from "@kates/scheduler";
import { startEtcdCluster, type EtcdCluster } from "../test/harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../test/harness/apiserver.js";
import { OutputTail, terminate, trackChild } from "../test/harness/processes.js";
import { startScheduler, type StartedScheduler } from "../test/integration/scheduler/scheduler-process.js";
import { now, percentile, pool, round } from "./stats.js";

// Compiled to bench/dist/bench/scheduler.js: the repository root is three levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
// KATES_BENCH_APISERVER runs another build of the apiserver (A/B comparisons of a change).
const APISERVER = process.env.KATES_BENCH_APISERVER ?? resolve(ROOT, "packages/apiserver/dist/main.js");
const SCHEDULER = resolve(ROOT, "packages/scheduler/dist/main.js");
const KUBELET = resolve(ROOT, "packages/kubelet/dist/main.js");
const CONTROLLER_MANAGER = resolve(ROOT, "packages/controller-manager/dist/main.js");
const WATCHDOG_MS = 230_000;
const TARGET_PODS_PER_S = 500;
const podsRI = findResource("", "v1", "pods")!;

const t0 = now();
const log = (msg: string) => process.stderr.write(`bench [${((now() - t0) / 1000).toFixed(1)}s]: ${msg}\n`);

interface Started {
  child: ChildProcess;
  output: OutputTail;
}

function spawnDaemon(main: string, args: string[]): Started {
  const output = new OutputTail(200_000);
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  child.stdout?.on("data", (c) => output.push(c));
  child.stderr?.on("data", (c) => output.push(c));
  return { child, output };
}

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Hollow nodes in their own process. Their Leases are renewed every 30 s instead of 1 s:
 * nothing in this benchmark watches node health, and 1,000 renewals a second would measure
 * the heartbeat load rather than scheduling.
 */
async function startHollow(rest: RestClient, server: string, prefix: string, count: number, expectTotal: number): Promise<Started> {
  const d = spawnDaemon(KUBELET, ["--hollow", `--hollow-nodes=${count}`, `--node-name=${prefix}`, `--server=${server}`, "--node-lease-renew-interval=30s", "--log-level=warn"]);
  await waitFor(`${expectTotal} nodes`, 90_000, async () => {
    if (d.child.exitCode !== null) throw new Error(`hollow kubelet exited:\n${d.output}`);
    const list = await rest.resource<Node>(findResource("", "v1", "nodes")!).list();
    return list.items.length >= expectTotal;
  });
  return d;
}

async function namespace(rest: RestClient, name: string): Promise<void> {
  await rest.resource<Namespace>(findResource("", "v1", "namespaces")!).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

interface PhaseResult {
  pods: number;
  /** Pods seen bound before the phase's deadline. */
  bound: number;
  /** Seconds until the scheduler had decided on (assumed) every pod, from its /metrics. */
  decidedSeconds?: number;
  nodes: number;
  seconds: number;
  podsPerSec: number;
  createPerSec: number;
  bindP50Ms: number;
  bindP99Ms: number;
}

function benchPod(i: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${i}`, labels: { app: "bench" } },
    spec: { containers: [{ name: "c", image: "nginx:1.24.0", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
  };
}

/** Creates `count` pods (64 in flight) and times them until a watch has seen every one bound. */
async function podPhase(rest: RestClient, scheduler: StartedScheduler, ns: string, count: number, nodes: number, deadlineMs: number): Promise<PhaseResult> {
  await namespace(rest, ns);
  const pods = rest.resource<Pod>(podsRI, ns);
  const created = new Map<string, number>();
  const bound = new Map<string, number>();
  const ac = new AbortController();
  let allBound!: () => void;
  const done = new Promise<void>((r) => (allBound = r));
  const resourceVersion = (await pods.list({ limit: 1 })).metadata?.resourceVersion;
  const watching = (async () => {
    for await (const ev of pods.watch({ resourceVersion, signal: ac.signal })) {
      if (ev.type === "ERROR") continue;
      const p = ev.object as Pod;
      if (p.spec?.nodeName && !bound.has(p.metadata.name!)) {
        bound.set(p.metadata.name!, now());
        if (bound.size === count) allBound();
      }
    }
  })();
  const scheduledCount = async () => Number(/kates_scheduler_scheduled (\d+)/.exec(await scheduler.metrics())?.[1] ?? NaN);
  const scheduledBefore = await scheduledCount();
  let decidedAt: number | undefined;
  const start = now();
  const poller = setInterval(() => {
    void scheduledCount().then((n) => {
      if (decidedAt === undefined && n - scheduledBefore >= count) decidedAt = now();
    });
  }, 100);
  let lastCreate = start;
  await pool(count, 64, async (i) => {
    const t = now();
    await pods.create(benchPod(i));
    created.set(`p-${i}`, t);
    lastCreate = now();
  });
  const timeout = setTimeout(() => allBound(), Math.max(0, deadlineMs - (now() - start)));
  await done;
  clearTimeout(timeout);
  clearInterval(poller);
  ac.abort();
  await watching.catch(() => undefined);
  // On a deadline, the rate is over what was bound by then (and the table says so).
  const end = bound.size === count ? Math.max(...bound.values()) : now();
  const lat = [...bound].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
  const seconds = (end - start) / 1000;
  return { pods: count, bound: bound.size, decidedSeconds: decidedAt === undefined ? undefined : (decidedAt - start) / 1000, nodes, seconds, podsPerSec: bound.size / seconds, createPerSec: count / ((lastCreate - start) / 1000), bindP50Ms: percentile(lat, 50), bindP99Ms: percentile(lat, 99) };
}

/**
 * A backlog: `count` pods created while no scheduler runs, then one scheduler started and
 * timed from its launch (informer sync and leader election included) to the last binding
 * seen on a watch. This isolates binding throughput from the apiserver's create rate, which
 * in the phases above is the ceiling (both share one 2-core apiserver).
 */
async function backlogPhase(rest: RestClient, start: () => Promise<StartedScheduler>, ns: string, count: number, nodes: number, deadlineMs: number, mark: (what: "start" | "created" | "bound") => void = () => {}): Promise<PhaseResult & { scheduler: StartedScheduler }> {
  await namespace(rest, ns);
  const pods = rest.resource<Pod>(podsRI, ns);
  mark("start");
  const createStart = now();
  await pool(count, 64, async (i) => void (await pods.create(benchPod(i))));
  const createPerSec = count / ((now() - createStart) / 1000);
  mark("created");
  const bound = new Set<string>();
  const ac = new AbortController();
  let allBound!: () => void;
  const done = new Promise<void>((r) => (allBound = r));
  let last = 0;
  const resourceVersion = (await pods.list({ limit: 1 })).metadata?.resourceVersion;
  const watching = (async () => {
    for await (const ev of pods.watch({ resourceVersion, signal: ac.signal })) {
      const p = ev.object as Pod;
      if (ev.type !== "ERROR" && p.spec?.nodeName && !bound.has(p.metadata.name!)) {
        bound.add(p.metadata.name!);
        last = now();
        if (bound.size === count) allBound();
      }
    }
  })();
  const t0 = now();
  const scheduler = await start();
  const timeout = setTimeout(() => allBound(), deadlineMs);
  await done;
  mark("bound");
  clearTimeout(timeout);
  ac.abort();
  await watching.catch(() => undefined);
  const seconds = ((bound.size === count ? last : now()) - t0) / 1000;
  return { scheduler, pods: count, bound: bound.size, nodes, seconds, podsPerSec: bound.size / seconds, createPerSec, bindP50Ms: NaN, bindP99Ms: NaN, decidedSeconds: undefined };
}

/** A 1,000-replica Deployment until status.availableReplicas reaches it; seconds, or undefined on timeout. */
async function deploymentPhase(rest: RestClient, server: string, replicas: number): Promise<{ seconds?: number; note: string }> {
  const cm = spawnDaemon(CONTROLLER_MANAGER, [`--server=${server}`, "--no-leader-elect", "--controllers=deployment,replicaset", "--health-port=0", "--log-level=warn"]);
  try {
    await namespace(rest, "bench-deploy");
    const deploys = rest.resource<Deployment>(findResource("apps", "v1", "deployments")!, "bench-deploy");
    const start = now();
    await deploys.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "big" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "big" } },
        template: { metadata: { labels: { app: "big" } }, spec: { containers: [{ name: "c", image: "nginx:1.24.0", resources: { requests: { cpu: "10m" } } }] } },
      },
    });
    const deadline = Date.now() + 45_000;
    for (;;) {
      const d = await deploys.get("big");
      if ((d.status?.availableReplicas ?? 0) >= replicas) return { seconds: (now() - start) / 1000, note: "" };
      if (Date.now() > deadline || cm.child.exitCode !== null) {
        const pods = (await rest.resource<Pod>(podsRI, "bench-deploy").list()).items;
        const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
        log(`deployment status ${JSON.stringify(d.status)}; pods ${pods.length}, bound ${pods.filter((p) => p.spec?.nodeName).length}, ready ${ready}\ncontroller-manager log tail:\n${cm.output.toString().slice(-2000)}`);
        return { note: `timed out at ${d.status?.availableReplicas ?? 0}/${replicas} available (${pods.length} pods, ${ready} ready)${cm.child.exitCode !== null ? ` (controller-manager exited: ${cm.output.toString().slice(-300)})` : ""}` };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await terminate(cm.child);
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (0 when it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The scheduler's decision loop alone, in this process: what it could do if the API kept up. */
function algorithmOnly(nodes: number, pods: number): { pods: number; podsPerSec: number } {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) {
    cache.addOrUpdateNode({
      metadata: { name: `n-${i}`, labels: { "kubernetes.io/hostname": `n-${i}` } },
      status: { allocatable: { cpu: "4", memory: "16Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
    });
  }
  const algorithm = new Algorithm(cache, DEFAULT_FILTERS, DEFAULT_SCORES);
  const start = now();
  for (let i = 0; i < pods; i++) {
    const pod = benchPod(i);
    pod.metadata.namespace = "algo";
    pod.metadata.uid = `uid-${i}`;
    const r = algorithm.schedule(podInfo(pod));
    if (!r.ok) throw new Error(r.message);
    cache.assumePod(pod, r.nodeName);
  }
  return { pods, podsPerSec: pods / ((now() - start) / 1000) };
}

async function main(): Promise<void> {
  let etcd: EtcdCluster | undefined;
  let api: StartedApiServer | undefined;
  let scheduler: StartedScheduler | undefined;
  const hollow: Started[] = [];
  const watchdog = setTimeout(() => {
    log("watchdog: giving up");
    process.exit(2);
  }, WATCHDOG_MS);
  const rest = new RestClient({ server: "http://127.0.0.1:1", qps: 0 });
  try {
    const algo = algorithmOnly(1000, 5000);
    log(`algorithm only: ${Math.round(algo.podsPerSec)} pods/s on 1,000 nodes`);
    etcd = await startEtcdCluster({ members: 3, name: "bench-scheduler" });
    const apiProf = process.env.KATES_BENCH_CPU_PROF;
    api = await startApiServer({
      etcdEndpoints: etcd.endpoints,
      extraArgs: ["--log-level=warn"],
      ...(apiProf
        ? { main: resolve(dirname(fileURLToPath(import.meta.url)), "cpu-profile.js"), env: { KATES_PROFILE_MAIN: APISERVER, KATES_PROFILE_OUT: resolve(apiProf) } }
        : { main: APISERVER }),
    });
    const client = new RestClient({ server: api.url, qps: 0 });
    const prof = process.env.KATES_BENCH_SCHED_PROF;
    // Kubernetes' own election timings: with the lab's 4s/3s the leader can miss its renew
    // deadline while this 2-core machine is saturated by the burst, and would exit mid-run.
    const election = ["--leader-elect-lease-duration=15s", "--leader-elect-renew-deadline=10s", "--leader-elect-retry-period=2s"];
    scheduler = await startScheduler(api.url, ["--log-level=warn", ...election], prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [], SCHEDULER);
    log("control plane up");

    // KATES_BENCH_SCHED_ONLY=deployment skips the pod phases (for working on that phase).
    const only = process.env.KATES_BENCH_SCHED_ONLY;
    if (only === "deployment") {
      hollow.push(await startHollow(client, api.url, "large", 100, 100));
      const d = await deploymentPhase(client, api.url, 1000);
      log(JSON.stringify(d));
      return;
    }
    // KATES_BENCH_SCHED_ONLY=backlog runs only the backlog phase on 1,000 nodes, with
    // KATES_BENCH_SCHED_PODS pods (default 5,000): a shorter run for profiling the write path.
    if (only === "backlog") {
      hollow.push(await startHollow(client, api.url, "large", 1000, 1000));
      await scheduler.stop();
      const count = Number(process.env.KATES_BENCH_SCHED_PODS) || 5000;
      const launch = () => startScheduler(api!.url, ["--log-level=warn", ...election], prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [], SCHEDULER);
      const procs = { apiserver: [api.pid], etcd: etcd.pids(), hollow: hollow.map((h) => h.child.pid!) };
      const marks: Record<string, Record<string, number>> = {};
      const b = await backlogPhase(client, launch, "bench-backlog", count, 1000, 120_000, (what) => {
        marks[what] = Object.fromEntries(Object.entries(procs).map(([k, pids]) => [k, pids.reduce((a, p) => a + cpuSeconds(p), 0)]));
        // With KATES_BENCH_CPU_PROF, one apiserver profile per step (see cpu-profile.ts).
        if (apiProf) process.kill(api!.pid, "SIGUSR2");
      });
      for (const k of Object.keys(procs)) {
        const perPod = (from: string, to: string) => ((1000 * (marks[to]![k]! - marks[from]![k]!)) / count).toFixed(2);
        log(`${k}: ${perPod("start", "created")} ms CPU per pod created, ${perPod("created", "bound")} ms per pod scheduled (binding, status, event)`);
      }
      scheduler = b.scheduler;
      log(`${count}-pod backlog on 1,000 nodes: ${Math.round(b.podsPerSec)} pods/s bound (${b.bound} in ${b.seconds.toFixed(2)} s), created ${Math.round(b.createPerSec)}/s, load ${loadavg()[0]!.toFixed(1)}`);
      const m = await fetch(`${api.url}/metrics`).then((r) => r.text());
      log(`apiserver requests:\n${m.split("\n").filter((l) => l.startsWith("apiserver_request_total")).join("\n")}`);
      client.close();
      return;
    }
    hollow.push(await startHollow(client, api.url, "small", 100, 100));
    log("100 hollow nodes registered");
    const small = await podPhase(client, scheduler, "bench-100", 1000, 100, 40_000);
    log(`1,000 pods on 100 nodes: ${Math.round(small.podsPerSec)} pods/s`);

    hollow.push(await startHollow(client, api.url, "large", 900, 1000));
    log("1,000 hollow nodes registered");
    await new Promise((r) => setTimeout(r, 2000)); // let the scheduler's node informer catch up
    const large = await podPhase(client, scheduler, "bench-1000", 5000, 1000, 70_000);
    log(`5,000 pods on 1,000 nodes: ${Math.round(large.podsPerSec)} pods/s`);

    await scheduler.stop();
    const launch = () => startScheduler(api!.url, ["--log-level=warn", ...election], prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [], SCHEDULER);
    const backlog = await backlogPhase(client, launch, "bench-backlog", 5000, 1000, 60_000);
    scheduler = backlog.scheduler;
    log(`5,000-pod backlog on 1,000 nodes: ${Math.round(backlog.podsPerSec)} pods/s`);

    // The scheduler's queue is FIFO: let a backlog from the last phase drain first, or the
    // Deployment's pods would wait behind it.
    const drained = await waitFor("the scheduler to drain", 30_000, async () => {
      const m = await scheduler!.metrics();
      return /kates_scheduler_in_flight 0\b/.test(m) && /kates_scheduler_active 0\b/.test(m);
    }).then(() => true, () => false);
    if (!drained) log("scheduler still busy with the previous phase; the Deployment waits behind it");
    const deploy = await deploymentPhase(client, api.url, 1000);
    log(deploy.seconds !== undefined ? `deployment available in ${deploy.seconds.toFixed(1)} s` : `deployment: ${deploy.note}`);
    client.close();

    const pass = backlog.podsPerSec >= TARGET_PODS_PER_S;
    const row = (label: string, r: PhaseResult) =>
      `${label.padEnd(28)} ${`${Math.round(r.podsPerSec)}/s`.padStart(9)} ${(r.decidedSeconds ? `${Math.round(r.pods / r.decidedSeconds)}/s` : "n/a").padStart(9)} ${`${r.seconds.toFixed(2)} s`.padStart(9)} ${`${Math.round(r.createPerSec)}/s`.padStart(9)} ${`${Math.round(r.bindP50Ms)} ms`.padStart(9)} ${`${Math.round(r.bindP99Ms)} ms`.padStart(9)}`;
    const lines = [
      `${"scenario".padEnd(28)} ${"bound".padStart(9)} ${"decided".padStart(9)} ${"total".padStart(9)} ${"created".padStart(9)} ${"p50".padStart(9)} ${"p99".padStart(9)}`,
      "-".repeat(98),
      row("1,000 pods on 100 nodes", small),
      row("5,000 pods on 1,000 nodes", large),
      `${row("5,000-pod backlog, 1k nodes", backlog).replace(/NaN ms/g, "   n/a")}  ${pass ? "PASS" : "FAIL"} (>= ${TARGET_PODS_PER_S}/s)`,
      `${"1,000-replica Deployment".padEnd(28)} ${deploy.seconds !== undefined ? `all available after ${deploy.seconds.toFixed(1)} s` : deploy.note}`,
      ...[small, large].filter((r) => r.bound < r.pods).map((r) => `(${r.nodes} nodes: only ${r.bound}/${r.pods} bound by the deadline; the rate is over those)`),
      `${"algorithm only, 1,000 nodes".padEnd(28)} ${`${Math.round(algo.podsPerSec)}/s`.padStart(9)}   (in-process filter+score+assume of ${algo.pods} pods, no API)`,
      `(bound: pods/s from first create to last binding seen on a watch (backlog: from the scheduler's launch, pods`,
      ` created beforehand; the target is judged on it); decided: the scheduler's own decisions/s`,
      ` from its /metrics, bindings excluded; created: create rate alone, 64 in flight;`,
      ` p50/p99: create-to-bound latency per pod; 1-min load average at the end ${loadavg()[0]!.toFixed(1)})`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    const phaseJson = (p: string, r: PhaseResult) => ({
      [`${p}_pods_per_s`]: round(r.podsPerSec, 1),
      [`${p}_seconds`]: round(r.seconds, 3),
      [`${p}_bound`]: r.bound,
      [`${p}_decided_per_s`]: r.decidedSeconds ? round(r.pods / r.decidedSeconds, 1) : null,
      [`${p}_create_per_s`]: round(r.createPerSec, 1),
      [`${p}_bind_p50_ms`]: round(r.bindP50Ms, 1),
      [`${p}_bind_p99_ms`]: round(r.bindP99Ms, 1),
    });
    process.stdout.write(`${JSON.stringify({
      ...phaseJson("pods1k_nodes100", small),
      ...phaseJson("pods5k_nodes1k", large),
      ...phaseJson("backlog5k_nodes1k", backlog),
      algorithm_only_pods_per_s_1k_nodes: Math.round(algo.podsPerSec),
      deployment_1k_available_s: deploy.seconds !== undefined ? round(deploy.seconds, 2) : null,
      deployment_note: deploy.note || undefined,
      target_pods_per_s: TARGET_PODS_PER_S,
      pass,
      load_average_1m: round(loadavg()[0]!, 2),
    })}\n`);
  } catch (err) {
    if (scheduler) log(`scheduler metrics:\n${await scheduler.metrics()}\nscheduler log tail:\n${scheduler.logs().slice(-3000)}`);
    if (api) log(`apiserver log tail:\n${api.logs().slice(-3000)}`);
    throw err;
  } finally {
    clearTimeout(watchdog);
    rest.close();
    await Promise.all(hollow.map((h) => terminate(h.child)));
    await scheduler?.stop();
    await api?.stop();
    await etcd?.stop();
  }
}

main().catch((err) => {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
