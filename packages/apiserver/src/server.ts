/**
 * Builds the apiserver: etcd client, registries, watch caches, HTTP routes, bootstrap and
 * compaction. `startApiServer` is what main.ts calls and what tests can call in-process.
 */
import http from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { Etcd3 } from "etcd3";
import type { Logger } from "pino";
import { RESOURCES, UnknownResourceError, configurePodDefaults } from "@kates/api";
import { namespaceLifecycle } from "./admission.js";
import { createUpgradeHandler } from "./proxy/index.js";
import { Bootstrapper } from "./bootstrap.js";
import { Compactor, COMPACTED_REVISION_KEY } from "./compactor.js";
import {
  aggregatedDiscovery, AGGREGATED_DISCOVERY_V2, AGGREGATED_DISCOVERY_V2BETA1, legacyApiVersions, legacyGroup, legacyGroupList,
  legacyResourceList, negotiateDiscovery, versionInfo,
} from "./discovery/index.js";
import { authFilter, observeRequests } from "./handlers/request-filters.js";
import { parseRequestInfo } from "./handlers/request-info.js";
import { ResourceHandler } from "./handlers/resource-handler.js";
import { sendError, sendJSON } from "./handlers/respond.js";
import { trackManagedFields } from "./managed-fields.js";
import { ApiMetrics } from "./metrics.js";
import { OPENAPI_V2_PROTOBUF, openapiV2JSON, openapiV2Protobuf, openapiV3Document, openapiV3Root } from "./openapi/index.js";
import { Registry } from "./registry/registry.js";
import { ServiceAllocator } from "./registry/service-allocator.js";
import { strategyFor } from "./registry/strategies.js";
import { EtcdStore } from "./storage/etcd-store.js";
import { resourcePrefix } from "./storage/keys.js";
import { WatchCache } from "./watch/watch-cache.js";

export interface ApiServerOptions {
  etcdServers: string[];
  bindAddress: string;
  port: number;
  advertiseAddress: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  /** 0 disables compaction. */
  etcdCompactionIntervalMs: number;
  watchCacheSize: number;
  bookmarkIntervalMs: number;
  minRequestTimeoutSeconds: number;
  endpointLeaseTTLSeconds: number;
  /** Lab-tuned DefaultTolerationSeconds (Kubernetes: 300 each). */
  notReadyTolerationSeconds?: number;
  unreachableTolerationSeconds?: number;
}

export interface RunningApiServer {
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions, log: Logger): Promise<RunningApiServer> {
  configurePodDefaults({ notReadyTolerationSeconds: opts.notReadyTolerationSeconds, unreachableTolerationSeconds: opts.unreachableTolerationSeconds });
  const etcd = new Etcd3({
    hosts: opts.etcdServers,
    dialTimeout: 5000,
    grpcOptions: {
      // gRPC's default 4 MiB receive limit fails any list over ~2,500 pods (and the pods watch
      // cache's initial list with it); etcd itself sends up to 2 GiB, as kube-apiserver accepts.
      "grpc.max_receive_message_length": 2 ** 31 - 1,
      "grpc-node.flow_control_window": ETCD_FLOW_CONTROL_WINDOW,
    },
  });
  const store = new EtcdStore(etcd);
  const allocator = new ServiceAllocator(
    { clusterIPRange: opts.serviceClusterIPRange, nodePortRange: opts.serviceNodePortRange },
    async (prefix) => new Set((await store.rangeRaw(prefix)).map((kv) => kv.key.slice(prefix.length))),
  );

  const registries = new Map<string, Registry>();
  const caches: WatchCache[] = [];
  let admitNamespace: (ns: string) => Promise<void> = async () => {};
  for (const ri of RESOURCES) {
    const cache = new WatchCache(store, resourcePrefix(ri), log.child({ component: "watch-cache", resource: ri.resource }), opts.watchCacheSize);
    caches.push(cache);
    const hooks = { admitNamespace: (ns: string) => admitNamespace(ns), trackFields: trackManagedFields(ri) };
    registries.set(`${ri.group}/${ri.resource}`, new Registry(ri, store, cache, strategyFor(ri, allocator), hooks));
  }
  const reg = (resource: string, group = "") => registries.get(`${group}/${resource}`)!;
  admitNamespace = namespaceLifecycle(reg("namespaces"));

  // Other apiservers' compactions trim our caches too (see watch-cache.ts).
  const onCompacted = (rev: number) => caches.forEach((c) => c.compacted(rev));
  const compactWatch = await etcd.watch().key(COMPACTED_REVISION_KEY).create();
  compactWatch.on("put", (kv) => onCompacted(Number(kv.value.toString())));

  const handler = new ResourceHandler(registries, store, { bookmarkIntervalMs: opts.bookmarkIntervalMs, minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds }, log.child({ component: "handler" }));
  const metrics = new ApiMetrics();
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "extended");
  const httpLog = log.child({ component: "http" });
  app.use(observeRequests(httpLog, metrics));

  // Like kube-apiserver's post-start hooks: not ready until the bootstrap objects exist.
  let bootstrapped = false;
  const etcdReady = async () => {
    await store.currentRevision();
    if (!bootstrapped) throw new Error("poststarthook/bootstrap-objects not finished");
  };
  app.get(["/healthz", "/livez"], (_req, res) => void res.type("text/plain").send("ok"));
  app.get("/readyz", async (_req, res) => {
    try {
      await etcdReady();
      res.type("text/plain").send("ok");
    } catch (err) {
      res.status(503).type("text/plain").send(`[-]${(err as Error).message}\nreadyz check failed`);
    }
  });
  app.get("/metrics", (req, res) => void metrics.handler(req, res));
  app.get("/version", (_req, res) => sendJSON(res, 200, versionInfo()));

  app.use(authFilter);

  app.get(["/api", "/apis"], (req, res) => {
    const which = req.path === "/api" ? "core" : "apis";
    const v = negotiateDiscovery(req.headers.accept);
    if (v === "legacy") return sendJSON(res, 200, which === "core" ? legacyApiVersions(`${opts.advertiseAddress}:${opts.port}`) : legacyGroupList());
    res.status(200).setHeader("Content-Type", v === "v2" ? AGGREGATED_DISCOVERY_V2 : AGGREGATED_DISCOVERY_V2BETA1);
    res.end(JSON.stringify(aggregatedDiscovery(which, v)));
  });
  app.get("/api/:version", (req, res, next) => {
    const list = legacyResourceList("", String(req.params.version));
    return list ? sendJSON(res, 200, list) : next();
  });
  app.get("/apis/:group", (req, res, next) => {
    const g = legacyGroup(String(req.params.group));
    return g ? sendJSON(res, 200, g) : next();
  });
  app.get("/apis/:group/:version", (req, res, next) => {
    const list = legacyResourceList(String(req.params.group), String(req.params.version));
    return list ? sendJSON(res, 200, list) : next();
  });
  app.get("/openapi/v3", (_req, res) => sendJSON(res, 200, openapiV3Root()));
  app.get("/openapi/v2", (req, res) => {
    if (!String(req.headers.accept ?? "").includes(OPENAPI_V2_PROTOBUF)) return sendJSON(res, 200, openapiV2JSON);
    // Go's mime parser rejects the '@' of the requested type, so the body is labelled as bytes.
    res.status(200).setHeader("Content-Type", "application/octet-stream");
    res.end(openapiV2Protobuf);
  });
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res, next) => {
    const doc = openapiV3Document(String((req.params as Record<string, string>)[0]));
    return doc ? sendJSON(res, 200, doc) : next();
  });

  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const info = parseRequestInfo(req.path);
      if (!info) return next();
      await handler.handle(req, res, info);
    } catch (err) {
      if (!(err instanceof Error && "code" in err && typeof (err as { code: unknown }).code === "number")) log.error({ err, path: req.path }, "request failed");
      sendError(res, err);
    }
  });
  app.use((_req: Request, res: Response) => sendError(res, new UnknownResourceError()));

  const server = http.createServer(app);
  // pods/exec and pods/portforward arrive as upgrades, which never reach express: the handler
  // runs the same request filters itself.
  server.on("upgrade", createUpgradeHandler(reg("pods"), reg("nodes"), log.child({ component: "proxy" }), { log: httpLog, recorder: metrics }));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });

  const bootstrapper = new Bootstrapper(etcd, { namespaces: reg("namespaces"), services: reg("services"), endpoints: reg("endpoints"), endpointslices: reg("endpointslices", "discovery.k8s.io") }, {
    advertiseAddress: opts.advertiseAddress, port: opts.port, serviceClusterIPRange: opts.serviceClusterIPRange, leaseTTLSeconds: opts.endpointLeaseTTLSeconds,
  }, log.child({ component: "bootstrap" }));
  await retry(() => bootstrapper.start(), log);
  bootstrapped = true;
  const compactor = new Compactor(etcd, opts.etcdServers, opts.etcdCompactionIntervalMs, log.child({ component: "compactor" }), onCompacted);
  compactor.start();

  const url = `http://${opts.bindAddress}:${opts.port}`;
  log.info({ url, etcd: opts.etcdServers }, "apiserver serving");
  return {
    url,
    async close() {
      compactor.stop();
      await bootstrapper.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Watches are long-lived: end them so close() returns promptly.
        server.closeAllConnections();
      });
      await compactWatch.cancel().catch(() => {});
      await Promise.all(caches.map((c) => c.stop().catch(() => {})));
      etcd.close();
    },
  };
}

/**
 * HTTP/2 flow-control window of the etcd connection. At the default 64 KiB, etcd may send only
 * that much before the apiserver's busy event loop gets round to granting more, and the watch
 * stream, which shares the connection with every request, falls behind: with 32 creates in
 * flight, watch events reached every informer 0.5-7 s after the write (services: 3-7 s; pods:
 * up to 1.2 s), while etcdctl watching the same keys saw them at once; with this window, within
 * tens of milliseconds. bench:api's "watch delivery under write load" measures it. The window is
 * an allowance, not a buffer: the apiserver reads what arrives either way.
 */
const ETCD_FLOW_CONTROL_WINDOW = 32 * 1024 * 1024;

/** Bootstrap must survive an etcd that is still electing a leader when we start. */
async function retry(fn: () => Promise<void>, log: Logger, attempts = 30): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log.warn({ err, attempt: i }, "bootstrap failed; retrying");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
