/**
 * Informer: list + watch one resource into a local cache and tell handlers what changed
 * (client-go's reflector, indexer and event handlers in one object).
 *
 * Cached objects are shared between the cache and every handler: handlers and lister users
 * must never mutate them (`structuredClone` first). Set `freeze: true` (or KATES_FREEZE_CACHE=1)
 * to deep-freeze cached objects so that a mutation throws in tests.
 */
import { ExpiredError, fromStatus, isExpired, type KObject, type Status } from "@kates/api";
import { sleep } from "./clock.js";
import { Indexer, objectKey, type IndexFunc, type Lister } from "./lister.js";
import { noopLogger, type Logger } from "./logger.js";
import type { ResourceClient } from "./resource-client.js";

/** Handlers an Informer calls; `finalStateUnknown` marks deletes inferred from a relist. */
export interface InformerHandlers<T> {
  add: (obj: T) => void;
  update: (oldObj: T, newObj: T) => void;
  delete: (obj: T, finalStateUnknown: boolean) => void;
}

/** Options of an Informer. */
export interface InformerOptions<T> {
  labelSelector?: string;
  fieldSelector?: string;
  /** Every resyncMs, `update(obj, obj)` is called for every cached object; 0 (default) disables. */
  resyncMs?: number;
  logger?: Logger;
  /** Reconnect back-off after errors: initialMs doubling up to maxMs. Defaults 200 ms and 8 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Secondary indexes for `lister.byIndex`. */
  indexers?: Record<string, IndexFunc<T>>;
  /** Deep-freeze cached objects. */
  freeze?: boolean;
}

/**
 * Keeps a local, eventually consistent copy of a collection. Lists, then watches from the
 * list's resourceVersion with bookmarks; after a dropped or ended watch it resumes from the
 * last resourceVersion seen; after 410 Expired it relists and emits the differences.
 * @example
 * const pods = new Informer(rest.resource<Pod>(podsInfo), { logger });
 * pods.on("add", (p) => queue.add(objectKey(p)));
 * void pods.start(signal);
 * await pods.waitForSync(signal);
 * const pod = pods.lister.get("default", "web-0");
 */
export class Informer<T extends KObject> {
  /** Read access to the cache. */
  readonly lister: Lister<T>;
  private readonly cache: Indexer<T>;
  private readonly handlers: { [E in keyof InformerHandlers<T>]: InformerHandlers<T>[E][] } = { add: [], update: [], delete: [] };
  private readonly log: Logger;
  private readonly freeze: boolean;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private rv = "";
  private running?: Promise<void>;

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.cache = new Indexer<T>(opts.indexers);
    this.lister = this.cache;
    this.log = opts.logger ?? noopLogger;
    this.freeze = opts.freeze ?? process.env.KATES_FREEZE_CACHE === "1";
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** Registers a handler; an `add` handler registered late is first called for every cached object. */
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): this {
    this.handlers[event].push(handler);
    if (event === "add") for (const o of this.cache.list()) this.call("add", () => (handler as InformerHandlers<T>["add"])(o));
    return this;
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      });
    });
  }

  /** Runs list+watch until `signal` aborts; the returned promise settles then. Idempotent. */
  start(signal: AbortSignal): Promise<void> {
    this.running ??= this.run(signal);
    return this.running;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const resync = this.opts.resyncMs ? setInterval(() => this.resync(), this.opts.resyncMs) : undefined;
    resync?.unref();
    const initialMs = this.opts.backoff?.initialMs ?? 200;
    const maxMs = this.opts.backoff?.maxMs ?? 8000;
    let failures = 0;
    let expiredStreak = 0;
    let needList = true;
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.listAndReplace(signal);
            needList = false;
            failures = 0;
          }
          const started = Date.now();
          const events = await this.watchOnce(signal);
          if (events > 0) failures = expiredStreak = 0;
          // A watch that ends at once with nothing in it is a failing server, not a timeout.
          if (events === 0 && Date.now() - started < 1000) await sleep(Math.min(maxMs, initialMs * 2 ** failures++), signal);
        } catch (err) {
          if (signal.aborted) break;
          if (isExpired(err)) {
            this.log.info({ resource: this.client.info.resource, rv: this.rv }, "watch expired, relisting");
            needList = true;
            // A server that keeps answering 410 even right after a relist must not make us spin.
            if (expiredStreak++ > 0) await sleep(Math.min(maxMs, initialMs * 2 ** (expiredStreak - 1)), signal);
            continue;
          }
          const delay = Math.min(maxMs, initialMs * 2 ** failures++);
          this.log.warn({ err, resource: this.client.info.resource, delayMs: delay }, needList ? "list failed" : "watch failed");
          await sleep(delay * (0.8 + Math.random() * 0.4), signal);
        }
      }
    } finally {
      if (resync) clearInterval(resync);
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.client.listAll({ labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, signal });
    if (signal.aborted) return;
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.prepare(raw);
      seen.add(objectKey(obj));
      const old = this.cache.upsert(obj);
      if (!old) this.emit("add", obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit("update", old, obj);
    }
    for (const key of this.cache.keys()) {
      if (seen.has(key)) continue;
      const gone = this.cache.remove(key)!;
      this.emit("delete", gone, true);
    }
    this.rv = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Consumes one watch stream; returns how many events it carried. */
  private async watchOnce(signal: AbortSignal): Promise<number> {
    let count = 0;
    const stream = this.client.watch({
      resourceVersion: this.rv,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      allowWatchBookmarks: true,
      // Spread reconnects of many informers, as client-go does (5-10 minutes).
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      signal,
    });
    for await (const ev of stream) {
      count++;
      if (ev.type === "ERROR") {
        const status = ev.object as unknown as Status;
        if (status.code === 410) throw new ExpiredError(status.message ?? "watch expired");
        throw fromStatus(status);
      }
      const rv = ev.object.metadata?.resourceVersion;
      if (ev.type === "BOOKMARK") {
        if (rv) this.rv = rv;
        continue;
      }
      const obj = this.prepare(ev.object);
      if (ev.type === "DELETED") {
        this.cache.remove(objectKey(obj));
        this.emit("delete", obj, false);
      } else {
        const old = this.cache.upsert(obj);
        if (old) this.emit("update", old, obj);
        else this.emit("add", obj);
      }
      if (rv) this.rv = rv;
    }
    return count;
  }

  private resync(): void {
    if (!this.synced) return;
    for (const o of this.cache.list()) this.emit("update", o, o);
  }

  private prepare(obj: T): T {
    return this.freeze ? deepFreeze(obj) : obj;
  }

  private emit<E extends keyof InformerHandlers<T>>(event: E, ...args: Parameters<InformerHandlers<T>[E]>): void {
    for (const h of this.handlers[event]) this.call(event, () => (h as (...a: unknown[]) => void)(...args));
  }

  private call(event: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, event, resource: this.client.info.resource }, "informer handler threw");
    }
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
