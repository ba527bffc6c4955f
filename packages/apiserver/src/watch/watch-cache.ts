/**
 * WatchCache: one etcd watch per resource, shared by every client watch of that resource
 * on this apiserver (as kube-apiserver's cacher does), plus the current objects in memory
 * for `resourceVersion=0` lists and admission lookups.
 *
 * History: the cache keeps the last `capacity` events. A watch from a resourceVersion the
 * buffer covers is replayed from memory; an older one is served by a dedicated etcd watch,
 * so every revision etcd still has can be resumed from, and only compacted history gives
 * 410 Expired. When etcd is compacted the buffer is trimmed to match, so "410 exactly when
 * etcd no longer has it" holds on every apiserver alike.
 */
import type { KObject } from "@kates/api";
import type { Logger } from "pino";
import { storedJSON, type EtcdStore, type StoreEvent } from "../storage/etcd-store.js";

export interface CacheEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  revision: number;
  key: string;
  obj: KObject;
  /** The object before this event (for selector transitions); undefined for ADDED. */
  prev?: KObject;
}

/** A subscriber: receives events in revision order; `closed` when the cache lost its etcd watch. */
export interface CacheListener {
  event(e: CacheEvent): void;
  closed(): void;
}

export class WatchCache {
  private readonly objects = new Map<string, KObject>();
  private readonly buffer: CacheEvent[] = [];
  private readonly listeners = new Set<CacheListener>();
  private readonly encoded = new WeakMap<KObject, Buffer>();
  /** Every event with revision > bufferStart is in the buffer. */
  private bufferStart = 0;
  private revision = 0;
  private ready: Promise<void> | undefined;
  private cancelWatch: (() => Promise<void>) | undefined;
  private stopped = false;

  constructor(
    private readonly store: EtcdStore,
    readonly prefix: string,
    private readonly log: Logger,
    private readonly capacity = 10_000,
  ) {}

  /** Lists the prefix once and starts the etcd watch; later calls share the same start. */
  start(): Promise<void> {
    this.ready ??= this.initialize();
    return this.ready;
  }

  private async initialize(): Promise<void> {
    const page = await this.store.list(this.prefix);
    this.objects.clear();
    for (const o of page.items) this.objects.set(keyOf(this.prefix, o), o);
    this.revision = page.revision;
    this.bufferStart = page.revision;
    const w = await this.store.watch(this.prefix, page.revision + 1, (e) => this.apply(e), (err) => this.fail(err));
    this.cancelWatch = w.cancel;
  }

  private fail(err: Error): void {
    // The shared watch died (e.g. etcd compacted past it during a long partition): start
    // over from a fresh list and cut every client watch, which then resumes or relists.
    this.log.warn({ err, prefix: this.prefix }, "watch cache lost its etcd watch; relisting");
    if (this.stopped) return;
    this.ready = undefined;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const l of listeners) l.closed();
    this.buffer.length = 0;
    setTimeout(() => void this.start().catch((e) => this.log.error({ err: e }, "watch cache restart failed")), 1000);
  }

  private apply(e: StoreEvent): void {
    let ev: CacheEvent;
    if (e.type === "put") {
      const prev = this.objects.get(e.key);
      this.objects.set(e.key, e.obj!);
      ev = { type: e.created || !prev ? "ADDED" : "MODIFIED", revision: e.revision, key: e.key, obj: e.obj!, prev };
    } else {
      const prev = this.objects.get(e.key) ?? e.prev;
      this.objects.delete(e.key);
      if (!prev) return;
      const obj = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(e.revision) } };
      ev = { type: "DELETED", revision: e.revision, key: e.key, obj, prev };
    }
    this.revision = e.revision;
    this.buffer.push(ev);
    if (this.buffer.length > this.capacity) this.bufferStart = this.buffer.shift()!.revision;
    for (const l of this.listeners) l.event(ev);
  }

  /**
   * Waits until the cache provably reflects etcd as of now, as Kubernetes' consistent reads
   * from cache do; returns the revision the cache's contents are valid at, or undefined
   * when it did not catch up within timeoutMs (the caller then reads etcd).
   */
  async consistentRevision(timeoutMs = 250): Promise<number | undefined> {
    await this.start();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const applied = this.revision;
      const state = await this.store.prefixState(this.prefix, applied);
      if (state.newer === 0 && state.count === this.objects.size && this.ready) return Math.max(state.revision, this.revision);
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Latest revision this cache has applied. */
  get currentRevision(): number {
    return this.revision;
  }

  /** The current objects under `prefix` (a sub-prefix of this cache's, e.g. one namespace). */
  list(prefix = this.prefix): { items: KObject[]; revision: number } {
    const items: KObject[] = [];
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) items.push(o);
    items.sort((a, b) => (keyOf(this.prefix, a) < keyOf(this.prefix, b) ? -1 : 1));
    return { items, revision: this.revision };
  }

  get(key: string): KObject | undefined {
    return this.objects.get(key);
  }

  /**
   * obj's JSON, made once per cached object (from the bytes etcd sent when it can) and shared
   * by every list and watcher that includes it. Cached objects are never modified in place
   * (callers clone before changing), so it stays valid.
   */
  json(obj: KObject): Buffer {
    let text = this.encoded.get(obj);
    if (text === undefined) {
      text = storedJSON(obj) ?? Buffer.from(JSON.stringify(obj));
      this.encoded.set(obj, text);
    }
    return text;
  }

  /** Drops buffered history at or below a compacted revision (see the file comment). */
  compacted(revision: number): void {
    while (this.buffer.length && this.buffer[0].revision <= revision) this.buffer.shift();
    this.bufferStart = Math.max(this.bufferStart, revision);
  }

  /**
   * Subscribes to events after `fromRevision`. With fromRevision 0 the current objects come
   * first as ADDED (what `resourceVersion=0` and an absent resourceVersion mean for watch).
   * Returns undefined when the buffer no longer covers fromRevision: the caller then falls
   * back to a direct etcd watch.
   */
  subscribe(fromRevision: number, listener: CacheListener): { initial: CacheEvent[]; unsubscribe(): void } | undefined {
    let initial: CacheEvent[];
    if (fromRevision === 0) {
      initial = [...this.objects].map(([key, obj]) => ({ type: "ADDED" as const, revision: Number(obj.metadata.resourceVersion), key, obj }));
    } else if (fromRevision >= this.bufferStart) {
      initial = this.buffer.filter((e) => e.revision > fromRevision);
    } else {
      return undefined;
    }
    this.listeners.add(listener);
    return { initial, unsubscribe: () => this.listeners.delete(listener) };
  }

  /** The oldest revision a watch can start after without falling back to etcd. */
  get oldestRevision(): number {
    return this.bufferStart;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await this.cancelWatch?.();
  }
}

function keyOf(resourcePrefix: string, o: KObject): string {
  const m = o.metadata;
  return m.namespace ? `${resourcePrefix}${m.namespace}/${m.name}` : `${resourcePrefix}${m.name}`;
}
