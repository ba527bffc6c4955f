/**
 * `npm run bench:api`: starts its own 3-member etcd cluster and one apiserver on loopback,
 * measures create/get/update against direct etcd, large lists, watch fan-out and watch delivery
 * while writes are busy, prints a table and then one JSON line with every figure, and cleans up
 * everything it started.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { startEtcdCluster, type EtcdCluster } from "../test/harness/etcd-cluster.js";
import { startApiServer, type StartedApiServer } from "../test/harness/apiserver.js";
import { runCrud, type OpResult } from "./crud.js";
import { EtcdDirect } from "./etcd-direct.js";
import { runFanout } from "./fanout.js";
import { BenchHttpClient } from "./http-client.js";
import { runList, type ListResults } from "./lists.js";
import { runWatchUnderLoad } from "./watch-under-load.js";
import { ms, perSec, renderTable, times, verdict, type Row } from "./report.js";
import { now, round } from "./stats.js";

// Compiled to bench/dist/bench/api.js: the repository root is three levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const APISERVER = resolve(ROOT, "packages/apiserver/dist/main.js");
/** The whole run must end well inside 3 minutes; past this, give up and clean up. */
const WATCHDOG_MS = 170_000;

const TARGET_CREATE_RATIO = 2;
const TARGET_LIST_1K_MS = 50;
const TARGET_FANOUT_P99_MS = 50;

const t0 = now();
const log = (msg: string) => process.stderr.write(`bench [${((now() - t0) / 1000).toFixed(1)}s]: ${msg}\n`);

async function createNamespace(api: BenchHttpClient, name: string): Promise<void> {
  await api.expect("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } }, 201);
}

function opRows(label: string, r: OpResult, etcdName: string): Row[] {
  return [
    { label: `${label} p50 (etcd: ${etcdName})`, api: ms(r.api.p50), etcd: ms(r.etcd.p50), ratio: times(r.api.p50 / r.etcd.p50) },
    { label: `${label} p99`, api: ms(r.api.p99), etcd: ms(r.etcd.p99), ratio: times(r.api.p99 / r.etcd.p99) },
    { label: `${label} throughput`, api: perSec(r.apiTput.opsPerSec), etcd: perSec(r.etcdTput.opsPerSec), ratio: times(r.apiTput.opsPerSec / r.etcdTput.opsPerSec) },
  ];
}

function opJson(prefix: string, etcdPrefix: string, r: OpResult): Record<string, number> {
  return {
    [`${prefix}_p50_ms`]: round(r.api.p50, 3),
    [`${prefix}_p99_ms`]: round(r.api.p99, 3),
    [`${etcdPrefix}_p50_ms`]: round(r.etcd.p50, 3),
    [`${etcdPrefix}_p99_ms`]: round(r.etcd.p99, 3),
    [`${prefix}_ratio`]: round(r.api.p50 / r.etcd.p50),
    [`${prefix}_p99_ratio`]: round(r.api.p99 / r.etcd.p99),
    [`${prefix}_ops_per_s`]: Math.round(r.apiTput.opsPerSec),
    [`${etcdPrefix}_ops_per_s`]: Math.round(r.etcdTput.opsPerSec),
    [`${prefix}_throughput_ratio`]: round(r.apiTput.opsPerSec / r.etcdTput.opsPerSec),
  };
}

function listRows(l: ListResults): Row[] {
  const n = l.pods >= 1000 ? `${l.pods / 1000}k` : String(l.pods);
  return [
    { label: `list ${n} pods, consistent p50`, api: ms(l.consistent.p50), etcd: ms(l.etcdRange.p50), ratio: times(l.consistent.p50 / l.etcdRange.p50) },
    { label: `list ${n} pods, consistent p99`, api: ms(l.consistent.p99), etcd: ms(l.etcdRange.p99), ratio: times(l.consistent.p99 / l.etcdRange.p99) },
    { label: `list ${n} pods, rv=0 (cache) p50`, api: ms(l.cached.p50) },
    { label: `list ${n} pods, rv=0 (cache) p99`, api: ms(l.cached.p99) },
    { label: `fill ${n} pods (64 in flight)`, api: perSec(l.fillPerSec), etcd: "", ratio: "", target: `${(l.responseBytes / 1e6).toFixed(1)} MB per list` },
  ];
}

function listJson(key: string, l: ListResults): Record<string, number> {
  return {
    [`list_${key}_p50_ms`]: round(l.consistent.p50, 2),
    [`list_${key}_p99_ms`]: round(l.consistent.p99, 2),
    [`list_${key}_rv0_p50_ms`]: round(l.cached.p50, 2),
    [`list_${key}_rv0_p99_ms`]: round(l.cached.p99, 2),
    [`etcd_range_${key}_p50_ms`]: round(l.etcdRange.p50, 2),
    [`etcd_range_${key}_p99_ms`]: round(l.etcdRange.p99, 2),
    [`list_${key}_bytes`]: l.responseBytes,
    [`fill_${key}_pods_per_s`]: Math.round(l.fillPerSec),
  };
}

/** KATES_BENCH_CPU_PROF=FILE runs the apiserver under the CPU profiler, writing FILE when it stops. */
function profiling(): { main: string; env?: Record<string, string> } {
  const out = process.env.KATES_BENCH_CPU_PROF;
  if (!out) return { main: APISERVER };
  log(`profiling the apiserver into ${resolve(out)}`);
  const wrapper = resolve(dirname(fileURLToPath(import.meta.url)), "cpu-profile.js");
  return { main: wrapper, env: { KATES_PROFILE_MAIN: APISERVER, KATES_PROFILE_OUT: resolve(out) } };
}

async function main(): Promise<void> {
  if (!existsSync(APISERVER)) throw new Error(`${APISERVER} is missing: run \`npm run build\` first`);
  const started = now();
  // Other work on the machine moves every figure: the 1-minute load average is reported with them.
  const loadStart = loadavg()[0]!;
  let etcd: EtcdCluster | undefined;
  let server: StartedApiServer | undefined;
  let api: BenchHttpClient | undefined;
  let direct: EtcdDirect | undefined;
  let table = "";
  let json: Record<string, unknown> = {};
  try {
    log("starting a 3-member etcd cluster");
    etcd = await startEtcdCluster({ members: 3, name: "bench" });
    log("starting the apiserver (log level warn)");
    server = await startApiServer({ etcdEndpoints: etcd.endpoints, ...profiling(), extraArgs: ["--log-level=warn", "--etcd-compaction-interval=0"] });
    api = new BenchHttpClient(server.url);
    direct = new EtcdDirect(etcd.endpoints);
    for (const ns of ["bench", "bench-1k", "bench-10k", "bench-watch", "bench-load"]) await createNamespace(api, ns);

    log("create/get/update: sequential latency, then 32 in flight");
    const crud = await runCrud(api, direct, { namespace: "bench", samples: 200, warmup: 20, concurrency: 32, durationMs: 2000 });
    log("list: filling 1,000 pods");
    const list1k = await runList(api, direct, "bench-1k", 1000, 30);
    log("list: filling 10,000 pods");
    const list10k = await runList(api, direct, "bench-10k", 10_000, 5);
    log("watch fan-out: 100 watchers, 100 updates");
    const fan = await runFanout(api, server.url, "bench-watch", 100, 100);
    log("watch under write load: 1,000 creates, 32 in flight");
    const load = await runWatchUnderLoad(api, server.url, etcd.endpoints, "bench-load", 1000, 32);

    const createRatio = crud.create.api.p50 / crud.create.etcd.p50;
    const createPass = createRatio <= TARGET_CREATE_RATIO;
    const listPass = list1k.consistent.p50 < TARGET_LIST_1K_MS;
    const fanPass = fan.fromResponse.p99 < TARGET_FANOUT_P99_MS;
    const crudRows = [...opRows("create", crud.create, "put"), ...opRows("get", crud.get, "range"), ...opRows("update", crud.update, "txn put")];
    crudRows[0]!.target = verdict(createPass, `ratio <= ${TARGET_CREATE_RATIO}x`);
    const l1 = listRows(list1k);
    l1[0]!.target = verdict(listPass, `< ${TARGET_LIST_1K_MS} ms`);
    l1[2]!.target = `(${list1k.cached.p50 < TARGET_LIST_1K_MS ? "under" : "over"} ${TARGET_LIST_1K_MS} ms from the watch cache)`;
    table = renderTable([
      { title: `create/get/update, ${crud.objectBytes}-byte pods; sequential latency, throughput with 32 in flight`, rows: crudRows },
      { title: "list (resourceVersion unset = consistent read from etcd)", rows: [...l1, ...listRows(list10k)] },
      {
        title: `watch fan-out: ${fan.watchers} watchers x ${fan.updates} updates`,
        rows: [
          { label: "delivery after write response p50", api: ms(fan.fromResponse.p50) },
          { label: "delivery after write response p99", api: ms(fan.fromResponse.p99), target: verdict(fanPass, `< ${TARGET_FANOUT_P99_MS} ms`) },
          { label: "delivery after write sent p50", api: ms(fan.fromSend.p50) },
          { label: "delivery after write sent p99", api: ms(fan.fromSend.p99) },
          { label: "deliveries missed (2 s timeout)", api: String(fan.missed) },
        ],
      },
      {
        title: `watch delivery under write load: ${load.creates} creates, ${load.inFlight} in flight (${Math.round(load.createsPerSec)}/s); API watch vs an etcd watch on its own connection`,
        rows: [
          { label: "delivery after create response p50", api: ms(load.api.p50), etcd: ms(load.etcd.p50) },
          { label: "delivery after create response p99", api: ms(load.api.p99), etcd: ms(load.etcd.p99) },
          { label: "delivery after create response max", api: ms(load.api.max), etcd: ms(load.etcd.max) },
          { label: "events missed (10 s timeout)", api: String(load.missed) },
        ],
      },
    ]);
    json = {
      ...opJson("create", "etcd_put", crud.create),
      ...opJson("get", "etcd_get", crud.get),
      ...opJson("update", "etcd_txn_put", crud.update),
      object_bytes: crud.objectBytes,
      throughput_concurrency: 32,
      ...listJson("1k", list1k),
      ...listJson("10k", list10k),
      fanout_watchers: fan.watchers,
      fanout_updates: fan.updates,
      fanout_p50_ms: round(fan.fromResponse.p50, 2),
      fanout_p99_ms: round(fan.fromResponse.p99, 2),
      fanout_from_send_p50_ms: round(fan.fromSend.p50, 2),
      fanout_from_send_p99_ms: round(fan.fromSend.p99, 2),
      fanout_missed: fan.missed,
      load_watch_creates: load.creates,
      load_watch_creates_per_s: Math.round(load.createsPerSec),
      load_watch_p50_ms: round(load.api.p50, 2),
      load_watch_p99_ms: round(load.api.p99, 2),
      load_watch_max_ms: round(load.api.max, 2),
      load_watch_etcd_p50_ms: round(load.etcd.p50, 2),
      load_watch_etcd_p99_ms: round(load.etcd.p99, 2),
      load_watch_missed: load.missed,
      target_create_ratio_pass: createPass,
      target_list_1k_pass: listPass,
      target_fanout_p99_pass: fanPass,
      cpus: cpus().length,
      load_avg_1m_start: round(loadStart, 2),
      load_avg_1m_end: round(loadavg()[0]!, 2),
    };
  } finally {
    log("cleaning up");
    api?.close();
    direct?.close();
    await server?.stop().catch(() => {});
    await etcd?.stop().catch(() => {});
  }
  json.total_seconds = round((now() - started) / 1000, 1);
  const machine = `${cpus().length} CPUs, load average ${round(loadStart, 2)} at start, ${round(loadavg()[0]!, 2)} at end, ${json.total_seconds} s`;
  process.stdout.write(`${table}\n${machine}\n${JSON.stringify(json)}\n`);
}

const watchdog = setTimeout(() => {
  // process.exit runs the harness's exit hook, which SIGKILLs our children and removes temp dirs.
  log(`still running after ${WATCHDOG_MS / 1000} s; giving up`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
