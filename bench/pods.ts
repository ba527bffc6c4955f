/**
 * `npm run bench:pods`: starts its own etcd (1 member), apiserver, runtime shim and kubelet
 * (processes from dist/) on the real Docker engine, then for 1 (repeated), 10 and 30 pods on
 * the one node measures pod creation in the API to Running as a watch shows it, against raw
 * Engine API create+start of the same sandbox and app containers in the same run; plus the
 * kubelet's and the shim's resident memory with 30 pods running. Prints a table, then one
 * JSON line with every figure; removes every container and process it started.
 */
import { cpus, loadavg } from "node:os";
import type Docker from "dockerode";
import { podBatch, RunningWatch } from "./pods-api.js";
import { cpuSeconds, dockerdPid, ensureEngine, memoryMB, removeByLabel, startBenchNode, type BenchNode } from "./pods-cluster.js";
import { RAW_LABEL, rawBatch } from "./pods-raw.js";
import { ms, renderTable, times, verdict, type Row } from "./report.js";
import { now, round, summarize, type Summary } from "./stats.js";

/** The whole run must end inside 4 minutes; past this, clean up and give up. */
const WATCHDOG_MS = 225_000;
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 80;
/** Single pods are measured this many times, one at a time, for a meaningful p50. */
const SINGLE_REPS = Number(process.env.KATES_BENCH_SINGLE_REPS ?? 5);
/** The shim's --sandbox-pool-size (its default is 2). */
const POOL_SIZE = Number(process.env.KATES_BENCH_POOL_SIZE ?? 2);
const NAMESPACE = "bench-pods";

const t0 = now();
const log = (msg: string) => process.stderr.write(`bench [${((now() - t0) / 1000).toFixed(1)}s]: ${msg}\n`);
const runId = `r${process.pid}`;

let docker: Docker | undefined;
let node: BenchNode | undefined;
let watch: RunningWatch | undefined;

/** Stops everything the run started and removes its containers; safe to call twice. */
async function cleanup(): Promise<void> {
  watch?.close();
  const n = node;
  node = undefined;
  await n?.stop().catch(() => {});
  if (docker) {
    const left = (n ? await removeByLabel(docker, `io.kates.shim=${n.shimId}`).catch(() => 0) : 0) + (await removeByLabel(docker, `${RAW_LABEL}`).catch(() => 0));
    if (left) log(`removed ${left} leftover containers`);
  }
}

/** Waits until the node runs nothing but a full, idle sandbox pool (so batches do not overlap). */
async function settle(d: Docker, shimId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const mine = await d.listContainers({ all: true, filters: { label: [`io.kates.shim=${shimId}`] } });
    if (mine.length === POOL_SIZE && mine.every((c) => c.State === "running")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
}

interface Pair {
  pods: number;
  kates: Summary;
  raw: Summary;
}

function diff<T extends Record<string, number>>(a: T, b: T): T {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - a[k]!])) as T;
}

function pairRows(p: Pair, label: string): Row[] {
  return [
    { label: `${label} p50`, api: ms(p.kates.p50), etcd: ms(p.raw.p50), ratio: times(p.kates.p50 / p.raw.p50) },
    { label: `${label} p99`, api: ms(p.kates.p99), etcd: ms(p.raw.p99), ratio: times(p.kates.p99 / p.raw.p99) },
  ];
}

function pairJson(key: string, p: Pair): Record<string, number> {
  return {
    [`${key}_kates_p50_ms`]: round(p.kates.p50, 1),
    [`${key}_kates_p99_ms`]: round(p.kates.p99, 1),
    [`${key}_raw_p50_ms`]: round(p.raw.p50, 1),
    [`${key}_raw_p99_ms`]: round(p.raw.p99, 1),
    [`${key}_p50_ratio`]: round(p.kates.p50 / p.raw.p50),
    [`${key}_p99_ratio`]: round(p.kates.p99 / p.raw.p99),
  };
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]!;
  docker = await ensureEngine(log);
  // Leftovers of an earlier run that was killed hard would skew the engine's figures.
  await removeByLabel(docker, RAW_LABEL);
  node = await startBenchNode({ poolSize: POOL_SIZE, log });
  const d = docker;
  const n = node;
  const idle = { kubelet: memoryMB(n.kubelet.child.pid), shim: memoryMB(n.shim.child.pid) };
  log(`idle: kubelet ${idle.kubelet.rss.toFixed(1)} MB, shim ${idle.shim.rss.toFixed(1)} MB resident`);
  await n.api.expect("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, 201);
  const list = await n.api.json<{ metadata: { resourceVersion: string } }>("GET", `/api/v1/namespaces/${NAMESPACE}/pods`, undefined, 200);
  watch = new RunningWatch();
  await watch.open(n.apiserver.url, NAMESPACE, list.metadata.resourceVersion);
  const w = watch;
  const kates = (prefix: string, count: number, whileRunning?: () => Promise<void>) =>
    podBatch(n.api, w, NAMESPACE, n.nodeName, prefix, count, 90_000, whileRunning).finally(() => settle(d, n.shimId));

  log("warm-up: one raw pod, one kates pod (not counted)");
  await rawBatch(d, runId, "warm", 1);
  await kates("warm", 1);

  log(`1 pod, ${SINGLE_REPS} times each way`);
  const single = { raw: [] as number[], kates: [] as number[] };
  for (let i = 0; i < SINGLE_REPS; i++) {
    single.raw.push(...(await rawBatch(d, runId, `one-${i}`, 1)));
    await new Promise((r) => setTimeout(r, 300));
    single.kates.push(...(await kates(`one-${i}`, 1)));
  }
  const results: Pair[] = [{ pods: 1, raw: summarize(single.raw), kates: summarize(single.kates) }];

  let mem = { kubelet: { rss: NaN, hwm: NaN }, shim: { rss: NaN, hwm: NaN } };
  // CPU seconds each process spent while the 30 pods started: where the kates path's extra time goes.
  const pids = { dockerd: dockerdPid(), apiserver: n.apiserver.pid, kubelet: n.kubelet.child.pid, shim: n.shim.child.pid };
  const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)])) as Record<keyof typeof pids, number>;
  const cpu = { raw: cpuNow(), kates: cpuNow() };
  for (const count of [10, 30]) {
    log(`${count} pods at once: raw Docker, then kates`);
    const rawStart = cpuNow();
    const raw = await rawBatch(d, runId, `batch${count}`, count);
    if (count === 30) cpu.raw = diff(rawStart, cpuNow());
    await new Promise((r) => setTimeout(r, 500));
    const katesStart = cpuNow();
    const k = await kates(`batch${count}`, count, count === 30 ? async () => {
      cpu.kates = diff(katesStart, cpuNow());
      // Let the status writes and the relist after the last start finish before sampling.
      await new Promise((r) => setTimeout(r, 2000));
      mem = { kubelet: memoryMB(n.kubelet.child.pid), shim: memoryMB(n.shim.child.pid) };
      log(`with 30 pods Running: kubelet ${mem.kubelet.rss.toFixed(1)} MB, shim ${mem.shim.rss.toFixed(1)} MB resident`);
    } : undefined);
    results.push({ pods: count, raw: summarize(raw), kates: summarize(k) });
  }
  await cleanup();

  const [one, ten, thirty] = results as [Pair, Pair, Pair];
  const pass = {
    one: one.kates.p50 / one.raw.p50 <= TARGET_RATIO,
    thirty: thirty.kates.p50 / thirty.raw.p50 <= TARGET_RATIO,
    kubelet: mem.kubelet.rss < TARGET_RSS_MB,
    shim: mem.shim.rss < TARGET_RSS_MB,
  };
  const r1 = pairRows(one, `1 pod (${SINGLE_REPS} runs)`);
  r1[0]!.target = verdict(pass.one, `<= ${TARGET_RATIO}x`);
  const r30 = pairRows(thirty, "30 pods at once");
  r30[0]!.target = verdict(pass.thirty, `<= ${TARGET_RATIO}x`);
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  const table = renderTable([
    { title: `pod created in the API -> Running (watch) vs raw create+start of sandbox + app; shim pool ${POOL_SIZE}`, rows: [...r1, ...pairRows(ten, "10 pods at once"), ...r30] },
    {
      title: "CPU seconds used while 30 pods started (raw: includes removing them)",
      rows: (["dockerd", "apiserver", "kubelet", "shim"] as const).map((k) => ({ label: k, api: `${cpu.kates[k].toFixed(1)} s`, etcd: k === "dockerd" ? `${cpu.raw[k].toFixed(1)} s` : "", ratio: "" })),
    },
    {
      title: "resident memory with 30 pods Running (VmRSS; peak VmHWM)",
      rows: [
        { label: "kubelet", api: mb(mem.kubelet.rss), etcd: "", ratio: "", target: `${verdict(pass.kubelet, `< ${TARGET_RSS_MB} MB`)}, peak ${mb(mem.kubelet.hwm)}, idle ${mb(idle.kubelet.rss)}` },
        { label: "runtime shim", api: mb(mem.shim.rss), etcd: "", ratio: "", target: `${verdict(pass.shim, `< ${TARGET_RSS_MB} MB`)}, peak ${mb(mem.shim.hwm)}, idle ${mb(idle.shim.rss)}` },
      ],
    },
  ], { label: "metric", api: "kates", etcd: "raw docker", ratio: "ratio", target: "target" });
  const totalSeconds = round((now() - t0) / 1000, 1);
  const json = {
    ...pairJson("pods1", one),
    ...pairJson("pods10", ten),
    ...pairJson("pods30", thirty),
    ...Object.fromEntries(Object.entries(cpu.kates).map(([k, v]) => [`pods30_cpu_s_${k}`, round(v, 2)])),
    pods30_raw_cpu_s_dockerd: round(cpu.raw.dockerd, 2),
    single_runs: SINGLE_REPS,
    sandbox_pool_size: POOL_SIZE,
    kubelet_idle_rss_mb: round(idle.kubelet.rss, 1),
    shim_idle_rss_mb: round(idle.shim.rss, 1),
    kubelet_rss_mb: round(mem.kubelet.rss, 1),
    kubelet_peak_rss_mb: round(mem.kubelet.hwm, 1),
    shim_rss_mb: round(mem.shim.rss, 1),
    shim_peak_rss_mb: round(mem.shim.hwm, 1),
    target_pods1_p50_ratio_pass: pass.one,
    target_pods30_p50_ratio_pass: pass.thirty,
    target_kubelet_rss_pass: pass.kubelet,
    target_shim_rss_pass: pass.shim,
    etcd_members: 1,
    scheduler: false,
    cpus: cpus().length,
    load_avg_1m_start: round(loadStart, 2),
    load_avg_1m_end: round(loadavg()[0]!, 2),
    total_seconds: totalSeconds,
  };
  const machine = `${cpus().length} CPUs, load average ${json.load_avg_1m_start} at start, ${json.load_avg_1m_end} at end, ${totalSeconds} s; etcd 1 member; pods carry spec.nodeName (no scheduler)`;
  process.stdout.write(`${table}\n${machine}\n${JSON.stringify(json)}\n`);
}

const watchdog = setTimeout(() => {
  log(`still running after ${WATCHDOG_MS / 1000} s; cleaning up and giving up`);
  // process.exit also runs the harness's exit hook, which SIGKILLs any child still alive.
  void Promise.race([cleanup(), new Promise((r) => setTimeout(r, 12_000))]).finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void Promise.race([cleanup(), new Promise((r) => setTimeout(r, 12_000))]).finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
