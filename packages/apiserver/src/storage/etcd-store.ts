/**
 * EtcdStore: the only code in kates that reads and writes etcd. Objects are stored as JSON
 * without their resourceVersion; the resourceVersion a client sees is the key's etcd
 * mod_revision, and a list's resourceVersion is the revision of the read. Every write is a
 * transaction guarded by a revision comparison, which is what makes optimistic concurrency
 * (409 Conflict) correct across any number of apiservers.
 */
import { Etcd3, type IKeyValue, type ICompare, type IRequestOp } from "etcd3";
import type { KObject } from "@kates/api";
import { prefixEnd } from "./keys.js";
import { toApiError } from "./errors.js";

/** Keys a write must also claim, write or release in the same transaction (IP and port allocations). */
export interface TxnExtra {
  mustNotExist?: string[];
  puts?: { key: string; value: string }[];
  deletes?: string[];
}

export type WriteResult = { ok: true; obj: KObject } | { ok: false; current?: KObject };

export interface ListPage {
  items: KObject[];
  revision: number;
  /** Key to continue from when the range was cut by the limit. */
  nextKey?: string;
}

export interface StoreEvent {
  type: "put" | "delete";
  key: string;
  revision: number;
  created: boolean;
  obj?: KObject;
  prev?: KObject;
}

export function decode(kv: IKeyValue, revision?: number): KObject {
  const obj = JSON.parse(kv.value.toString()) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(revision ?? kv.mod_revision);
  return obj;
}

/**
 * The bytes an object was stored as, for objects this store wrote or read: their JSON
 * (storedJSON) is then the stored value with resourceVersion spliced in, not a new encoding.
 * Serializing is a large part of a write's CPU cost (once for etcd, again for the response,
 * again for every watcher). Objects the store returns are never changed in place, which is
 * what keeps the bytes valid.
 */
const storedBytes = new WeakMap<KObject, { value: Buffer; revision: string }>();

function remember(obj: KObject, value: Buffer): KObject {
  storedBytes.set(obj, { value, revision: obj.metadata.resourceVersion! });
  return obj;
}

/** decode(), remembering the stored bytes for storedJSON (copied when `copy`: a watch's value shares its message's buffer). */
function decodeRemembered(kv: IKeyValue, copy = false): KObject {
  return remember(decode(kv), copy ? Buffer.from(kv.value) : kv.value);
}

/** obj's JSON from the bytes it was stored as, or undefined if it did not come from this store that way. */
export function storedJSON(obj: KObject): Buffer | undefined {
  const s = storedBytes.get(obj);
  return s && withResourceVersion(s.value, s.revision);
}

export function encode(obj: KObject): Buffer {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  // apiVersion, kind and metadata first (Kubernetes' own order) so that withResourceVersion
  // can serve the stored bytes without parsing them.
  const { apiVersion, kind, metadata: _meta, ...rest } = obj;
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata: meta, ...rest }));
}

const STORED_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The stored JSON of an object with metadata.resourceVersion spliced in, without a parse and
 * re-encode (which dominate large lists); undefined when the value does not start the way
 * encode() writes it, and the caller must decode instead.
 */
export function withResourceVersion(value: Buffer, revision: string): Buffer | undefined {
  const m = STORED_HEAD.exec(value.subarray(0, 256).toString("latin1"));
  if (!m) return undefined;
  const at = m[0].length;
  const rv = Buffer.from(`"resourceVersion":"${revision}"${value[at] === 0x7d ? "" : ","}`);
  return Buffer.concat([value.subarray(0, at), rv, value.subarray(at)]);
}

/** One page of stored objects as JSON (resourceVersion included), for lists that need no filtering. */
export interface RawListPage {
  items: Buffer[];
  revision: number;
  /** Key of the last item returned, when the range was cut by the limit. */
  lastKey?: string;
}

export class EtcdStore {
  constructor(readonly client: Etcd3) {}

  async get(key: string): Promise<KObject | undefined> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key) });
      return res.kvs.length ? decodeRemembered(res.kvs[0]) : undefined;
    } catch (err) {
      throw toApiError(err, `get ${key}`);
    }
  }

  /** The cluster's current revision: what a consistent read would see now. */
  async currentRevision(): Promise<number> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from("/registry/"), range_end: prefixEnd("/registry/"), count_only: true });
      return Number(res.header.revision);
    } catch (err) {
      throw toApiError(err, "read revision");
    }
  }

  /**
   * How many keys are under prefix now, and how many of them were written after `since`, in
   * one read: together they prove whether a cache that applied every event up to `since`
   * still matches etcd (no creates or updates show as newer keys, no deletes as a lower count).
   */
  async prefixState(prefix: string, since: number): Promise<{ revision: number; count: number; newer: number }> {
    const key = Buffer.from(prefix);
    const range_end = prefixEnd(prefix);
    try {
      // count_only is answered from etcd's index; mod-revision filters are applied to fetched
      // keys only (etcd ignores them for count_only), so the second range fetches keys alone
      // and ships back just the few that changed, usually none.
      const res = await this.client.kv.txn({
        compare: [],
        success: [
          { request_range: { key, range_end, count_only: true } },
          { request_range: { key, range_end, keys_only: true, min_mod_revision: since + 1 } },
        ],
      });
      return {
        revision: Number(res.header.revision),
        count: Number(res.responses[0].response_range.count),
        newer: res.responses[1].response_range.kvs.length,
      };
    } catch (err) {
      throw toApiError(err, `read state of ${prefix}`);
    }
  }

  /** One page of keys under prefix, from startKey, at revision (0 = latest). */
  async list(prefix: string, opts: { limit?: number; startKey?: string; revision?: number } = {}): Promise<ListPage> {
    try {
      const res = await this.client.kv.range({
        key: Buffer.from(opts.startKey ?? prefix),
        range_end: prefixEnd(prefix),
        limit: opts.limit ?? 0,
        revision: opts.revision ?? 0,
      });
      const items = res.kvs.map((kv) => decode(kv));
      const page: ListPage = { items, revision: Number(res.header.revision) };
      if (res.more && res.kvs.length) page.nextKey = res.kvs[res.kvs.length - 1].key.toString() + "\0";
      return page;
    } catch (err) {
      throw toApiError(err, `list ${prefix}`);
    }
  }

  /** Like list, but items stay JSON (see withResourceVersion); `typed` completes objects that must be decoded. */
  async listJSON(prefix: string, opts: { limit?: number; startKey?: string; revision?: number }, typed: (o: KObject) => KObject): Promise<RawListPage> {
    try {
      const res = await this.client.kv.range({
        key: Buffer.from(opts.startKey ?? prefix),
        range_end: prefixEnd(prefix),
        limit: opts.limit ?? 0,
        revision: opts.revision ?? 0,
      });
      const items = res.kvs.map((kv) => withResourceVersion(kv.value, String(kv.mod_revision)) ?? Buffer.from(JSON.stringify(typed(decode(kv)))));
      const page: RawListPage = { items, revision: Number(res.header.revision) };
      if (res.more && res.kvs.length) page.lastKey = res.kvs[res.kvs.length - 1].key.toString();
      return page;
    } catch (err) {
      throw toApiError(err, `list ${prefix}`);
    }
  }

  /** Creates key if it does not exist (and every extra.mustNotExist key is free). */
  async create(key: string, obj: KObject, extra: TxnExtra = {}): Promise<WriteResult & { conflictKey?: string }> {
    const compare: ICompare[] = [createRevisionIs(key, 0), ...(extra.mustNotExist ?? []).map((k) => createRevisionIs(k, 0))];
    const value = encode(obj);
    const res = await this.txn(`create ${key}`, compare, [putOp(key, value), ...extraOps(extra)], [key, ...(extra.mustNotExist ?? [])]);
    if (res.succeeded) return { ok: true, obj: remember(withRevision(obj, Number(res.header.revision)), value) };
    const [current, ...others] = res.responses.map((r) => r.response_range?.kvs?.[0]);
    if (current) return { ok: false, current: decode(current) };
    const taken = others.findIndex((kv) => kv !== undefined);
    return { ok: false, conflictKey: taken >= 0 ? extra.mustNotExist![taken] : undefined };
  }

  /** Replaces key if it is still at expectedRevision. */
  async update(key: string, obj: KObject, expectedRevision: number, extra: TxnExtra = {}): Promise<WriteResult & { conflictKey?: string }> {
    const compare: ICompare[] = [modRevisionIs(key, expectedRevision), ...(extra.mustNotExist ?? []).map((k) => createRevisionIs(k, 0))];
    const value = encode(obj);
    const res = await this.txn(`update ${key}`, compare, [putOp(key, value), ...extraOps(extra)], [key, ...(extra.mustNotExist ?? [])]);
    if (res.succeeded) return { ok: true, obj: remember(withRevision(obj, Number(res.header.revision)), value) };
    const [current, ...others] = res.responses.map((r) => r.response_range?.kvs?.[0]);
    const taken = others.findIndex((kv) => kv !== undefined);
    const conflictKey = current && Number(current.mod_revision) === expectedRevision && taken >= 0 ? extra.mustNotExist![taken] : undefined;
    return { ok: false, current: current ? decode(current) : undefined, conflictKey };
  }

  /** Deletes key if it is still at expectedRevision; returns the deleted object at the delete's revision. */
  async delete(key: string, expectedRevision: number, extra: TxnExtra = {}): Promise<WriteResult> {
    const ops: IRequestOp[] = [{ request_delete_range: { key: Buffer.from(key), prev_kv: true } }, ...extraOps(extra)];
    const res = await this.txn(`delete ${key}`, [modRevisionIs(key, expectedRevision)], ops, [key]);
    if (res.succeeded) {
      const prev = res.responses[0].response_delete_range?.prev_kvs?.[0];
      if (!prev) return { ok: false };
      return { ok: true, obj: decode(prev, Number(res.header.revision)) };
    }
    const current = res.responses[0]?.response_range?.kvs?.[0];
    return { ok: false, current: current ? decode(current) : undefined };
  }

  /** Raw put of a non-object key (allocation records, bookkeeping). */
  async putRaw(key: string, value: string, leaseId?: string): Promise<void> {
    try {
      await this.client.kv.put({ key: Buffer.from(key), value: Buffer.from(value), lease: leaseId });
    } catch (err) {
      throw toApiError(err, `put ${key}`);
    }
  }

  async rangeRaw(prefix: string): Promise<{ key: string; value: string; modRevision: number }[]> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
      return res.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision) }));
    } catch (err) {
      throw toApiError(err, `list ${prefix}`);
    }
  }

  /**
   * Watches every key under prefix from fromRevision (inclusive). Events arrive in revision
   * order; the etcd3 client reconnects by itself and resumes after the last revision seen.
   * onError receives compaction (410) and other unrecoverable failures; the watch is then dead.
   */
  async watch(prefix: string, fromRevision: number, onEvent: (e: StoreEvent) => void, onError: (err: Error) => void): Promise<{ cancel(): Promise<void> }> {
    const watcher = await this.client.watch().prefix(prefix).startRevision(String(fromRevision)).withPreviousKV().create();
    watcher.on("put", (kv, prev) => {
      const revision = Number(kv.mod_revision);
      onEvent({ type: "put", key: kv.key.toString(), revision, created: kv.create_revision === kv.mod_revision, obj: decodeRemembered(kv, true), prev: prev ? decode(prev) : undefined });
    });
    watcher.on("delete", (kv, prev) => {
      const revision = Number(kv.mod_revision);
      onEvent({ type: "delete", key: kv.key.toString(), revision, created: false, prev: prev ? decode(prev, revision) : undefined });
    });
    // Cancelling a watcher etcd already cancelled makes etcd3 throw from its stream handler
    // (an uncaught "Failed to find watcher"), so a dead watcher is never cancelled again.
    let dead = false;
    watcher.on("error", (err) => {
      dead = true;
      onError(toApiError(err, `watch ${prefix}`));
    });
    return { cancel: async () => (dead ? undefined : watcher.cancel()) };
  }

  private async txn(what: string, compare: ICompare[], success: IRequestOp[], readBackOnFailure: string[]) {
    try {
      return await this.client.kv.txn({ compare, success, failure: readBackOnFailure.map((k) => ({ request_range: { key: Buffer.from(k) } })) });
    } catch (err) {
      throw toApiError(err, what);
    }
  }
}

function createRevisionIs(key: string, rev: number): ICompare {
  return { key: Buffer.from(key), target: "Create", result: "Equal", create_revision: rev };
}

function modRevisionIs(key: string, rev: number): ICompare {
  return { key: Buffer.from(key), target: "Mod", result: "Equal", mod_revision: rev };
}

function putOp(key: string, value: Buffer): IRequestOp {
  return { request_put: { key: Buffer.from(key), value } };
}

function extraOps(extra: TxnExtra): IRequestOp[] {
  return [
    ...(extra.puts ?? []).map((p) => putOp(p.key, Buffer.from(p.value))),
    ...(extra.deletes ?? []).map((k) => ({ request_delete_range: { key: Buffer.from(k) } })),
  ];
}

function withRevision(obj: KObject, revision: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}
