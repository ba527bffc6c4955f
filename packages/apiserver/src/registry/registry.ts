/**
 * Registry: the generic read/write path for one resource (Kubernetes' genericregistry.Store).
 * Reads go to etcd (or the watch cache for resourceVersion=0); writes are transactions
 * guarded by the revision they read, retried when another writer got there first and the
 * caller did not pin a resourceVersion. Kind-specific rules live in strategies.ts.
 */
import {
  AlreadyExistsError, ApiError, BadRequestError, ConflictError, ExpiredError, InvalidError, NotFoundError,
  applyDefaults, apiVersionOf, validateObject, validateUpdate,
  type DeleteOptions, type KObject, type ResourceInfo,
} from "@kates/api";
import type { EtcdStore, TxnExtra } from "../storage/etcd-store.js";
import { listPrefix, objectKey } from "../storage/keys.js";
import type { WatchCache } from "../watch/watch-cache.js";
import { decodeContinue, encodeContinue } from "./continue-token.js";
import type { ObjectFilter } from "./filter.js";
import { prepareMetaForCreate, prepareMetaForUpdate, rfc3339 } from "./object-meta.js";
import { sameJSON } from "./same-json.js";
import type { Strategy } from "./strategies.js";

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export interface ListOptions {
  filter: ObjectFilter;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  /** "Exact" reads at resourceVersion; otherwise any state not older than it will do. */
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
}

/** A list whose items are already JSON (see Registry.listJSON). */
export interface ListJSONResult {
  items: (string | Buffer)[];
  resourceVersion: string;
  continue?: string;
}

/** Hooks the server provides: admission checks and managed-fields bookkeeping. */
export interface RegistryHooks {
  /** Throws when objects may not be created in namespace (missing or terminating). */
  admitNamespace(namespace: string): Promise<void>;
  /** Records which manager changed which fields (server-side apply bookkeeping). */
  trackFields(old: KObject | undefined, obj: KObject, manager: string | undefined, subresource?: string): void;
}

/** A function that computes the new object from the stored one (for update, patch, scale...). */
export type TryUpdate = (current: KObject) => KObject | Promise<KObject>;

const MAX_RETRIES = 16;

export class Registry {
  constructor(
    readonly ri: ResourceInfo,
    private readonly store: EtcdStore,
    readonly cache: WatchCache,
    private readonly strategy: Strategy,
    private readonly hooks: RegistryHooks,
  ) {}

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.ri, namespace, name);
  }

  private notFound(name: string): NotFoundError {
    return new NotFoundError(this.ri.resource, name, this.ri.group);
  }

  async get(namespace: string | undefined, name: string): Promise<KObject> {
    const obj = await this.store.get(this.key(namespace, name));
    if (!obj) throw this.notFound(name);
    return this.withType(obj);
  }

  /**
   * Lists that memory can answer: resourceVersion=0 ("any recent state") always, and a
   * consistent list (no resourceVersion) once the cache is proven current and the result
   * fits in one page.
   */
  private async fromCache(prefix: string, opts: ListOptions): Promise<{ items: KObject[]; revision: number } | undefined> {
    if (opts.continue) return undefined;
    if (opts.resourceVersion === "0") {
      await this.cache.start();
      const { items, revision } = this.cache.list(prefix);
      return { items: items.filter(opts.filter), revision: revision || (await this.store.currentRevision()) };
    }
    if (opts.resourceVersion) return undefined;
    const at = await this.cache.consistentRevision();
    if (at === undefined) return undefined;
    const items = this.cache.list(prefix).items.filter(opts.filter);
    if (opts.limit && items.length > opts.limit) return undefined;
    return { items, revision: Math.max(at, this.cache.currentRevision) };
  }

  async list(namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    const prefix = listPrefix(this.ri, namespace);
    const cached = await this.fromCache(prefix, opts);
    if (cached) return { items: cached.items.map((o) => this.withType(o)), resourceVersion: String(cached.revision) };
    let { revision, startKey } = readPoint(opts);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KObject[] = [];
    for (;;) {
      const want = limit ? Math.max(limit - items.length, opts.filter.matchesAll ? 0 : 100) : 0;
      let page;
      try {
        page = await this.store.list(prefix, { limit: want, startKey, revision });
      } catch (err) {
        if (err instanceof ExpiredError && opts.continue) throw continueExpired();
        throw err;
      }
      revision ||= page.revision;
      for (const o of page.items) {
        if (!opts.filter(o)) continue;
        items.push(this.withType(o));
        if (limit && items.length === limit) {
          const k = this.key(o.metadata.namespace, o.metadata.name!) + "\0";
          const more = page.nextKey !== undefined || page.items[page.items.length - 1] !== o;
          return { items, resourceVersion: String(revision), continue: more ? encodeContinue({ revision, startKey: k }) : undefined };
        }
      }
      if (!page.nextKey) return { items, resourceVersion: String(revision) };
      startKey = page.nextKey;
    }
  }

  /**
   * list() with items as JSON texts, for responses that need no per-item processing: skips
   * decoding every stored object and encoding it again, which dominates large lists.
   * Undefined when the list needs the objects (a selector that filters from etcd).
   */
  async listJSON(namespace: string | undefined, opts: ListOptions): Promise<ListJSONResult | undefined> {
    const prefix = listPrefix(this.ri, namespace);
    const cached = await this.fromCache(prefix, opts);
    if (cached) {
      const texts = cached.items.map((o) => {
        const typed = this.withType(o);
        return typed === o ? this.cache.json(o) : JSON.stringify(typed);
      });
      return { items: texts, resourceVersion: String(cached.revision) };
    }
    if (!opts.filter.matchesAll) return undefined;
    const { revision, startKey } = readPoint(opts);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let page;
    try {
      page = await this.store.listJSON(prefix, { limit, startKey, revision }, (o) => this.withType(o));
    } catch (err) {
      if (err instanceof ExpiredError && opts.continue) throw continueExpired();
      throw err;
    }
    const at = revision || page.revision;
    const cont = page.lastKey !== undefined ? encodeContinue({ revision: at, startKey: page.lastKey + "\0" }) : undefined;
    return { items: page.items, resourceVersion: String(at), continue: cont };
  }

  async create(namespace: string | undefined, input: KObject, opts: WriteOptions = {}): Promise<KObject> {
    const obj = structuredClone(input);
    obj.apiVersion = apiVersionOf(this.ri);
    obj.kind = this.ri.kind;
    prepareMetaForCreate(obj, this.ri, namespace);
    this.strategy.prepareForCreate?.(obj);
    applyDefaults(obj, this.ri);
    this.check(obj, validateObject(obj, this.ri));
    if (this.ri.namespaced) await this.hooks.admitNamespace(obj.metadata.namespace!);
    this.hooks.trackFields(undefined, obj, opts.fieldManager);
    for (let attempt = 0; ; attempt++) {
      // Each attempt allocates afresh: addresses picked by a lost race must not be reused.
      const candidate = structuredClone(obj);
      const extra = (await this.strategy.allocate?.(candidate)) ?? {};
      if (opts.dryRun) return this.withType(candidate);
      const res = await this.store.create(this.key(obj.metadata.namespace, obj.metadata.name!), candidate, extra);
      if (res.ok) return this.withType(res.obj);
      if (res.current) throw new AlreadyExistsError(this.ri.resource, obj.metadata.name!, this.ri.group);
      if (res.conflictKey && this.strategy.takenError && this.wasRequested(input, res.conflictKey)) throw this.strategy.takenError(candidate, res.conflictKey);
      if (attempt >= MAX_RETRIES) throw new ConflictError(this.ri.resource, obj.metadata.name!, this.ri.group, "allocation raced too many times; try again");
    }
  }

  /**
   * Reads the object, computes its new state and writes it if unchanged meanwhile, retrying
   * on races. `preconditionRV` pins the first read (a client's resourceVersion): then a race
   * is the client's 409, not a retry. `create` makes this an upsert (PUT of Endpoints, apply).
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    tryUpdate: TryUpdate,
    opts: WriteOptions & { subresource?: string; preconditionRV?: string; create?: () => KObject | Promise<KObject>; ignoresCurrent?: boolean } = {},
  ): Promise<KObject> {
    const key = this.key(namespace, name);
    // The first attempt starts from the watch cache's copy, as Kubernetes' GuaranteedUpdate
    // does with its cached "suggestion": it saves an etcd read per write (bindings and status
    // updates are most of a busy cluster's writes). The txn's mod-revision guard catches a
    // stale copy; anything that would be decided on the copy alone (a missing object, a
    // precondition, a no-op) is decided again on a fresh etcd read.
    let suggestion = opts.dryRun ? undefined : this.cache.get(key);
    for (let attempt = 0; ; attempt++) {
      const fromCache = suggestion !== undefined;
      const current = suggestion ?? (await this.store.get(key));
      suggestion = undefined;
      if (!current) {
        if (opts.create) return this.create(namespace, await opts.create(), opts);
        throw this.notFound(name);
      }
      if (opts.preconditionRV && opts.preconditionRV !== current.metadata.resourceVersion) {
        if (fromCache) continue;
        throw this.conflict(name);
      }
      let obj: KObject;
      try {
        // A tryUpdate that replaces the object (PUT) never reads or changes what it is given.
        const next = await tryUpdate(this.withType(opts.ignoresCurrent ? current : structuredClone(current)));
        obj = this.prepareUpdate(next, current, opts.subresource);
        this.hooks.trackFields(current, obj, opts.fieldManager, opts.subresource);
      } catch (err) {
        if (fromCache) continue;
        throw err;
      }
      if (sameStored(obj, current)) {
        if (fromCache) continue;
        return this.withType(current);
      }
      const extra = (!opts.subresource && (await this.strategy.allocate?.(obj, current))) || {};
      if (opts.dryRun) return this.withType(obj);
      const rv = Number(current.metadata.resourceVersion);
      // An object being deleted whose last finalizer was just removed goes away now; one still
      // in its grace period (a terminating pod whose kubelet writes status) stays until then.
      if (obj.metadata.deletionTimestamp && !obj.metadata.deletionGracePeriodSeconds && !obj.metadata.finalizers?.length && !pendingNamespaceFinalizers(obj)) {
        const del = await this.store.delete(key, rv, mergeExtra(extra, this.strategy.release?.(current) ?? {}));
        if (del.ok) return this.withType(del.obj);
      } else {
        const res = await this.store.update(key, obj, rv, extra);
        if (res.ok) return this.withType(res.obj);
        if (res.conflictKey && this.strategy.takenError) throw this.strategy.takenError(obj, res.conflictKey);
      }
      if (opts.preconditionRV) throw this.conflict(name);
      if (attempt >= MAX_RETRIES) throw this.conflict(name);
    }
  }

  /** PUT: replaces the object (or its status) as long as the client's resourceVersion is current. */
  update(namespace: string | undefined, name: string, input: KObject, opts: WriteOptions & { subresource?: string; allowCreate?: boolean } = {}): Promise<KObject> {
    if (input.metadata?.name && input.metadata.name !== name) {
      throw new BadRequestError(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    const rv = input.metadata?.resourceVersion || undefined;
    return this.guaranteedUpdate(namespace, name, () => structuredClone(input), {
      ...opts,
      preconditionRV: rv,
      ignoresCurrent: true,
      create: opts.allowCreate && !rv ? () => structuredClone(input) : undefined,
    });
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<KObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (!current) throw this.notFound(name);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw new ConflictError(this.ri.resource, name, this.ri.group, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw new ConflictError(this.ri.resource, name, this.ri.group, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const graceful = this.gracefulState(current, options);
      if (opts.dryRun) return this.withType(graceful ?? current);
      const rv = Number(current.metadata.resourceVersion);
      if (graceful) {
        if (sameStored(graceful, current)) return this.withType(current);
        const res = await this.store.update(key, graceful, rv);
        if (res.ok) return this.withType(res.obj);
      } else {
        const res = await this.store.delete(key, rv, this.strategy.release?.(current) ?? {});
        if (res.ok) return this.withType(res.obj);
      }
      if (attempt >= MAX_RETRIES) throw this.conflict(name);
    }
  }

  /**
   * The object as it should be stored while deletion waits (finalizers, pod grace period,
   * namespace content), or undefined when it can be removed at once.
   */
  private gracefulState(current: KObject, options: DeleteOptions): KObject | undefined {
    const obj = structuredClone(current);
    const m = obj.metadata;
    const finalizers = new Set(m.finalizers ?? []);
    const policy = options.propagationPolicy;
    if (policy === "Orphan") finalizers.add("orphan");
    if (policy === "Foreground") finalizers.add("foregroundDeletion");
    if (policy && policy !== "Orphan") finalizers.delete("orphan");
    const grace = this.strategy.gracePeriod?.(current, options) ?? 0;
    const nsFinalizing = this.ri.resource === "namespaces" && pendingNamespaceFinalizers(obj);
    if (!finalizers.size && grace <= 0 && !nsFinalizing) return undefined;
    if (finalizers.size) m.finalizers = [...finalizers];
    const now = Date.now();
    const prevDeadline = m.deletionTimestamp ? Date.parse(m.deletionTimestamp) : Infinity;
    // A second delete may shorten the grace period, never extend it.
    if (now + grace * 1000 < prevDeadline) {
      m.deletionTimestamp = rfc3339(new Date(now + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    }
    if (nsFinalizing) (obj.status as { phase?: string } | undefined ?? (obj.status = {}) as { phase?: string }).phase = "Terminating";
    return obj;
  }

  private prepareUpdate(next: KObject, current: KObject, subresource?: string): KObject {
    let obj = next;
    obj.apiVersion = apiVersionOf(this.ri);
    obj.kind = this.ri.kind;
    if (subresource === "status") {
      // Status writes change status only (metav1.ResetObjectMetaForStatus). The rest is shared
      // with the stored object, never changed in place; metadata gets its managedFields below.
      obj = { ...current, metadata: { ...current.metadata }, status: next.status };
      obj.apiVersion = apiVersionOf(this.ri);
      obj.kind = this.ri.kind;
    } else if (subresource === "finalize") {
      obj = { ...current, metadata: { ...current.metadata }, spec: next.spec };
    } else {
      prepareMetaForUpdate(obj, current, this.ri);
      this.strategy.prepareForUpdate?.(obj, current);
      // A binding sets the PodScheduled condition together with nodeName.
      if (this.ri.hasStatus && subresource !== "binding") {
        if (current.status === undefined) delete obj.status;
        else obj.status = structuredClone(current.status);
      }
      applyDefaults(obj, this.ri);
      if (!sameJSON(obj, current, NOT_SPEC)) obj.metadata.generation = (current.metadata.generation ?? 1) + 1;
      this.check(obj, validateUpdate(obj, current, this.ri));
    }
    if (obj.metadata.deletionTimestamp && !current.metadata.deletionTimestamp) delete obj.metadata.deletionTimestamp;
    return obj;
  }

  private check(obj: KObject, errs: ReturnType<typeof validateObject>): void {
    if (errs.length) throw new InvalidError(this.ri.kind, obj.metadata.name ?? "", errs, this.ri.group);
  }

  private conflict(name: string): ApiError {
    return new ConflictError(this.ri.resource, name, this.ri.group);
  }

  private withType(obj: KObject): KObject {
    if (obj.kind && obj.apiVersion) return obj;
    return { apiVersion: apiVersionOf(this.ri), kind: this.ri.kind, ...obj };
  }

  /** Whether a taken allocation key was asked for by the user (then it's their error, not a retry). */
  private wasRequested(input: KObject, key: string): boolean {
    const spec = (input as { spec?: { clusterIP?: string; ports?: { nodePort?: number }[]; healthCheckNodePort?: number } }).spec;
    const last = key.slice(key.lastIndexOf("/") + 1);
    return spec?.clusterIP === last || !!spec?.ports?.some((p) => String(p.nodePort) === last) || String(spec?.healthCheckNodePort) === last;
  }
}

/** Where a consistent list reads: the revision (0 = latest) and the key to start from. */
function readPoint(opts: ListOptions): { revision: number; startKey?: string } {
  if (opts.continue) return decodeContinue(opts.continue);
  if (opts.resourceVersion && opts.resourceVersion !== "0") {
    const rv = parseRV(opts.resourceVersion);
    // NotOlderThan (the default): the latest state qualifies. Exact: read that snapshot.
    if (opts.resourceVersionMatch === "Exact") return { revision: rv };
  }
  return { revision: 0 };
}

function continueExpired(): ExpiredError {
  return new ExpiredError("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
}

export function parseRV(rv: string): number {
  const n = Number(rv);
  if (!Number.isInteger(n) || n < 0) throw new BadRequestError(`invalid resource version: ${JSON.stringify(rv)}`);
  return n;
}

function pendingNamespaceFinalizers(obj: KObject): boolean {
  return obj.kind === "Namespace" && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0;
}

/** Everything but metadata and status: a change there is a spec change and bumps generation. */
const NOT_SPEC: ReadonlySet<string> = new Set(["metadata", "status", "apiVersion", "kind"]);
const TYPE_AND_META: ReadonlySet<string> = new Set(["metadata", "apiVersion", "kind"]);
const RV_AND_MANAGED: ReadonlySet<string> = new Set(["resourceVersion", "managedFields"]);
const TIME: ReadonlySet<string> = new Set(["time"]);

/** Equal apart from resourceVersion and managed-field timestamps: such a write is a no-op. */
function sameStored(a: KObject, b: KObject): boolean {
  if (!sameJSON(a, b, TYPE_AND_META) || !sameJSON(a.metadata, b.metadata, RV_AND_MANAGED)) return false;
  const fa = a.metadata.managedFields ?? [];
  const fb = b.metadata.managedFields ?? [];
  return fa.length === fb.length && fa.every((f, i) => sameJSON(f, fb[i], TIME));
}

function mergeExtra(a: TxnExtra, b: TxnExtra): TxnExtra {
  return { mustNotExist: [...(a.mustNotExist ?? []), ...(b.mustNotExist ?? [])], puts: [...(a.puts ?? []), ...(b.puts ?? [])], deletes: [...new Set([...(a.deletes ?? []), ...(b.deletes ?? [])])] };
}
