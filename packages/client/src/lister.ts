/** The informer's local cache: objects by `namespace/name`, with optional secondary indexes. */
import type { KObject } from "@kates/api";

/** Read access to an informer's cache; objects are shared and must not be mutated. */
export interface Lister<T extends KObject> {
  /** One object; pass `undefined` or "" as namespace for cluster-scoped resources. */
  get(namespace: string | undefined, name: string): T | undefined;
  /** All objects, or those of one namespace, optionally filtered. */
  list(namespace?: string, filter?: (obj: T) => boolean): T[];
  /** Objects whose index function returned `value` for the index `indexName`. */
  byIndex(indexName: string, value: string): T[];
}

/** Computes the index values of an object (e.g. `[spec.nodeName]` for a by-node index). */
export type IndexFunc<T> = (obj: T) => string[];

/** `namespace/name`, or `name` for cluster-scoped objects: the key work queues carry. */
export function objectKey(obj: KObject): string {
  const { namespace, name = "" } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by objectKey back into namespace ("" if none) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const NAMESPACE_INDEX = "namespace";

/** A keyed object store with indexes kept up to date on every write (client-go's Indexer). */
export class Indexer<T extends KObject> implements Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? ""]);
    for (const [name, fn] of Object.entries(indexers)) this.addIndex(name, fn);
  }

  /** Adds an index and builds it from the current contents. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexFuncs.set(name, fn);
    this.indexes.set(name, new Map());
    for (const [key, obj] of this.items) this.indexObject(name, fn, key, obj);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string, filter?: (obj: T) => boolean): T[] {
    const all = namespace ? this.byIndex(NAMESPACE_INDEX, namespace) : [...this.items.values()];
    return filter ? all.filter(filter) : all;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`index ${JSON.stringify(indexName)} does not exist`);
    return [...(index.get(value) ?? [])].map((k) => this.items.get(k)!);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Stores `obj` and returns the object it replaced, if any. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFuncs) this.indexObject(name, fn, key, obj);
    return old;
  }

  /** Removes the object under `key` and returns it, if it was there. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private indexObject(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indexes.get(name)!;
    for (const v of fn(obj)) {
      let set = index.get(v);
      if (!set) index.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set?.size === 0) index.delete(v);
      }
    }
  }
}
