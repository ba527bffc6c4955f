/** ResourceClient: typed verbs (get, list, create, update, patch, delete, watch, scale) for one resource. */
import type { DeleteOptions, KList, KObject, Scale, Status, WatchEvent } from "@kates/api";
import type { Query, RestClient } from "./rest-client.js";
import { WatchDecodeError, WatchDecoder } from "./watch-decoder.js";

/** The parts of a ResourceInfo needed to build URLs; ResourceInfo itself fits. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  kind: string;
}

/** Options of list (and deleteCollection) calls. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

/** Options of watch calls. */
export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
}

/** Options of create, update and updateStatus. */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  signal?: AbortSignal;
}

/** Options of patch. */
export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take over fields owned by other managers. */
  force?: boolean;
  /** Patch a subresource such as "status" or "scale". */
  subresource?: string;
}

/** Options of delete. */
export type DeleteCallOptions = Pick<DeleteOptions, "propagationPolicy" | "gracePeriodSeconds" | "preconditions"> & { dryRun?: boolean; signal?: AbortSignal };

/** The four patch flavours the apiserver accepts. */
export type PatchType = "merge" | "strategic" | "json" | "apply";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

const enc = encodeURIComponent;

/**
 * Verbs on one resource, bound to a namespace or not. For namespaced resources without a bound
 * namespace, list/watch/deleteCollection span all namespaces and single-object verbs use
 * `obj.metadata.namespace`.
 */
export class ResourceClient<T extends KObject> {
  constructor(
    private readonly rest: RestClient,
    readonly info: ResourceRef,
    readonly namespace?: string,
  ) {}

  /** The same resource in another namespace. */
  inNamespace(namespace: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, this.info, namespace);
  }

  /** URL of the collection, or of one object (and subresource) when `name` is given. */
  path(name?: string, subresource?: string, namespace = this.namespace): string {
    const ri = this.info;
    let p = ri.group ? `/apis/${ri.group}/${ri.version}` : `/api/${ri.version}`;
    if (ri.namespaced && namespace) p += `/namespaces/${enc(namespace)}`;
    else if (ri.namespaced && name !== undefined) throw new Error(`${ri.resource} ${JSON.stringify(name)}: a namespace is required`);
    p += `/${ri.resource}`;
    if (name !== undefined) p += `/${enc(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  async get(name: string, opts: { resourceVersion?: string; signal?: AbortSignal } = {}): Promise<T> {
    return this.rest.request<T>({ path: this.path(name), query: { resourceVersion: opts.resourceVersion }, signal: opts.signal });
  }

  /** One page of the collection; pass `continue` from the previous page to get the next. */
  async list(opts: ListOptions = {}): Promise<KList<T>> {
    return this.rest.request<KList<T>>({ path: this.path(), query: listQuery(opts), signal: opts.signal });
  }

  /** Every page of the collection, and the resourceVersion of the (consistent) snapshot. */
  async listAll(opts: Omit<ListOptions, "continue"> = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.list({ limit: 500, ...opts, continue: cont });
      items.push(...(page.items ?? []));
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion: rv };
  }

  async create(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: "POST", path: this.path(undefined, undefined, this.nsOf(obj)), query: writeQuery(opts), body: obj, signal: opts.signal });
  }

  /** PUT; fails with ConflictError if `obj.metadata.resourceVersion` is stale. */
  async update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: "PUT", path: this.path(nameOf(obj), undefined, this.nsOf(obj)), query: writeQuery(opts), body: obj, signal: opts.signal });
  }

  /** PUT to the status subresource; spec changes in `obj` are ignored by the server. */
  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: "PUT", path: this.path(nameOf(obj), "status", this.nsOf(obj)), query: writeQuery(opts), body: obj, signal: opts.signal });
  }

  /** PATCH with the given flavour; `apply` needs a fieldManager. */
  async patch(name: string, patch: unknown, type: PatchType = "merge", opts: PatchOptions = {}): Promise<T> {
    const query: Query = { ...writeQuery(opts), force: type === "apply" && opts.force !== undefined ? opts.force : undefined };
    return this.rest.request<T>({ method: "PATCH", path: this.path(name, opts.subresource), query, body: patch, contentType: PATCH_CONTENT_TYPES[type], signal: opts.signal });
  }

  /** DELETE; returns the object (still present while finalizers or grace periods run) or a Status. */
  async delete(name: string, opts: DeleteCallOptions = {}): Promise<T | Status> {
    return this.rest.request<T | Status>({ method: "DELETE", path: this.path(name), body: deleteBody(opts), signal: opts.signal });
  }

  /** DELETE on the collection, filtered like a list. */
  async deleteCollection(opts: ListOptions & DeleteCallOptions = {}): Promise<KList<T> | Status> {
    return this.rest.request<KList<T> | Status>({ method: "DELETE", path: this.path(), query: listQuery(opts), body: deleteBody(opts), signal: opts.signal });
  }

  async getScale(name: string): Promise<Scale> {
    return this.rest.request<Scale>({ path: this.path(name, "scale") });
  }

  async updateScale(name: string, scale: Scale): Promise<Scale> {
    return this.rest.request<Scale>({ method: "PUT", path: this.path(name, "scale"), body: scale });
  }

  /**
   * Streams watch events until the server closes the stream or `signal` aborts (both end the
   * iteration normally; a dropped connection also just ends it). HTTP errors such as 410 throw
   * typed errors before the first event; ERROR events are yielded for the caller to judge.
   * @example
   * for await (const ev of pods.watch({ resourceVersion: rv, signal })) console.log(ev.type, ev.object.metadata.name);
   */
  async *watch(opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const { signal, ...rest } = opts;
    const query: Query = { ...rest, watch: true };
    let res;
    try {
      res = await this.rest.stream({ path: this.path(), query, signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const decoder = new WatchDecoder<T>();
    try {
      for await (const chunk of res) for (const ev of decoder.write(chunk as Buffer)) yield ev;
      for (const ev of decoder.end()) yield ev;
    } catch (err) {
      if (err instanceof WatchDecodeError) throw err;
      // Aborts and broken connections both end the stream; informers reconnect from their last RV.
    } finally {
      res.destroy();
    }
  }

  private nsOf(obj: T): string | undefined {
    return this.namespace ?? obj.metadata?.namespace;
  }
}

function nameOf(obj: KObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`${obj.kind ?? "object"} has no metadata.name`);
  return name;
}

function listQuery(o: ListOptions): Query {
  return { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue, resourceVersion: o.resourceVersion };
}

function writeQuery(o: WriteOptions): Query {
  return { dryRun: o.dryRun ? "All" : undefined, fieldManager: o.fieldManager, fieldValidation: o.fieldValidation };
}

function deleteBody(o: DeleteCallOptions): DeleteOptions {
  const body: DeleteOptions = { kind: "DeleteOptions", apiVersion: "v1" };
  if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions) body.preconditions = o.preconditions;
  if (o.dryRun) body.dryRun = ["All"];
  return body;
}
