/**
 * Serves `?watch=true`: one JSON event per line over a chunked response, from the shared
 * watch cache when it covers the requested resourceVersion and from a dedicated etcd watch
 * otherwise. Selector transitions are sent the way Kubernetes does: an object that starts
 * matching arrives as ADDED, one that stops matching as DELETED.
 */
import type { Request, Response } from "express";
import { ExpiredError, type KObject, type ResourceInfo, type WatchEvent } from "@kates/api";
import type { Logger } from "pino";
import type { Registry } from "../registry/registry.js";
import type { ObjectFilter } from "../registry/filter.js";
import { parseRV } from "../registry/registry.js";
import type { EtcdStore } from "../storage/etcd-store.js";
import { listPrefix } from "../storage/keys.js";
import type { CacheEvent } from "../watch/watch-cache.js";
import { toTable } from "../printers/index.js";
import { includeObjectOf, toApiError, wantsTable } from "./respond.js";

export interface WatchSettings {
  /** How often BOOKMARK events are sent to clients that allow them. */
  bookmarkIntervalMs: number;
  /** Default watch length when the client sets no timeoutSeconds, picked in [min, 2*min). */
  minRequestTimeoutSeconds: number;
}

export async function serveWatch(req: Request, res: Response, registry: Registry, store: EtcdStore, namespace: string | undefined, filter: ObjectFilter, settings: WatchSettings, log: Logger): Promise<void> {
  const ri = registry.ri;
  const prefix = listPrefix(ri, namespace);
  const rvParam = typeof req.query.resourceVersion === "string" ? req.query.resourceVersion : "";
  const fromRV = rvParam ? parseRV(rvParam) : 0;
  const table = wantsTable(req);
  const includeObject = includeObjectOf(req);
  let columnsSent = false;
  let closed = false;

  await registry.cache.start();

  res.status(200);
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Cache-Control", "no-cache, private");
  res.flushHeaders();

  const write = (ev: WatchEvent<unknown>) => {
    if (!closed) res.write(JSON.stringify(ev) + "\n");
  };
  // The object's JSON is made once per event and shared by every watcher (see WatchCache.json).
  const writeObject = (type: WatchEvent["type"], obj: KObject) => {
    if (!closed) res.write(Buffer.concat([Buffer.from(`{"type":"${type}","object":`), registry.cache.json(obj), EVENT_END]));
  };
  const send = (type: WatchEvent["type"], obj: KObject) => {
    if (table && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")) {
      const t = toTable(ri, [obj], { includeObject, resourceVersion: obj.metadata.resourceVersion, withColumns: !columnsSent });
      columnsSent = true;
      write({ type, object: t });
    } else {
      writeObject(type, obj);
    }
  };
  let lastRV = fromRV;
  const deliver = (e: CacheEvent) => {
    if (e.revision <= lastRV && fromRV !== 0) return;
    if (!e.key.startsWith(prefix)) return;
    lastRV = Math.max(lastRV, e.revision);
    const now = e.type !== "DELETED" && filter(e.obj);
    const before = e.prev !== undefined && filter(e.prev);
    if (e.type === "ADDED" && now) send("ADDED", e.obj);
    else if (e.type === "MODIFIED") {
      if (now && before) send("MODIFIED", e.obj);
      else if (now) send("ADDED", e.obj);
      else if (before) send("DELETED", e.obj);
    } else if (e.type === "DELETED" && before) send("DELETED", e.obj);
  };

  const finish = (err?: unknown) => {
    if (closed) return;
    if (err) write({ type: "ERROR", object: toApiError(err).toStatus() });
    cleanup();
    closed = true;
    res.end();
  };

  let cleanup = () => {};
  const sub = registry.cache.subscribe(fromRV, { event: deliver, closed: () => finish() });
  if (sub) {
    cleanup = sub.unsubscribe;
    for (const e of sub.initial) deliver(e);
  } else {
    // Older than the cache's history: ask etcd, which has everything not yet compacted.
    try {
      const w = await store.watch(prefix, fromRV + 1, (se) => {
        if (se.type === "put") deliver({ type: se.created ? "ADDED" : "MODIFIED", revision: se.revision, key: se.key, obj: se.obj!, prev: se.prev });
        else if (se.prev) deliver({ type: "DELETED", revision: se.revision, key: se.key, obj: se.prev, prev: se.prev });
      }, (err) => void explainWatchEnd(store, prefix, fromRV, err).then((e) => finish(e)));
      cleanup = () => void w.cancel().catch(() => {});
    } catch (err) {
      finish(err);
      return;
    }
  }

  const timers: NodeJS.Timeout[] = [];
  const timeoutSeconds = Number(req.query.timeoutSeconds) || settings.minRequestTimeoutSeconds * (1 + Math.random());
  timers.push(setTimeout(() => finish(), timeoutSeconds * 1000));
  if (req.query.allowWatchBookmarks === "true" || req.query.allowWatchBookmarks === "1") {
    timers.push(setInterval(() => {
      const rv = Math.max(lastRV, registry.cache.currentRevision);
      write({ type: "BOOKMARK", object: bookmark(ri, rv) });
    }, settings.bookmarkIntervalMs));
  }
  const stopTimers = () => timers.forEach((t) => clearTimeout(t));
  const prevCleanup = cleanup;
  cleanup = () => {
    stopTimers();
    prevCleanup();
  };
  // res 'close' (not req 'close', which fires once the body is read) tells us the client left.
  res.on("close", () => {
    if (!closed) log.debug({ resource: ri.resource }, "watch closed by client");
    cleanup();
    closed = true;
  });
}

/**
 * etcd cancels a watch on compacted history without saying why (the client library drops
 * the reason), so ask etcd directly whether the start revision is still readable.
 */
async function explainWatchEnd(store: EtcdStore, prefix: string, fromRV: number, err: Error): Promise<Error> {
  if (err instanceof ExpiredError) return new ExpiredError(`too old resource version: ${fromRV}`);
  try {
    await store.list(prefix, { limit: 1, revision: fromRV + 1 });
    return err;
  } catch (probe) {
    return probe instanceof ExpiredError ? new ExpiredError(`too old resource version: ${fromRV}`) : err;
  }
}

const EVENT_END = Buffer.from("}\n");

function bookmark(ri: ResourceInfo, rv: number): KObject {
  return { kind: ri.kind, apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, metadata: { resourceVersion: String(rv) } };
}
