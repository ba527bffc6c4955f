/** InformerFactory: one shared Informer per resource (and selector) for all controllers of a process. */
import type { KObject, ResourceInfo } from "@kates/api";
import { Informer, type InformerOptions } from "./informer.js";
import type { Logger } from "./logger.js";
import type { ResourceRef } from "./resource-client.js";
import type { RestClient } from "./rest-client.js";

/**
 * Hands out shared informers so that N controllers watching pods cost one list+watch
 * (client-go's SharedInformerFactory). Informers created after `start` start at once.
 * @example
 * const factory = new InformerFactory(rest, { logger });
 * const pods = factory.informerFor<Pod>(podsInfo);
 * factory.start(signal);
 * await factory.waitForCacheSync(signal);
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KObject>>();
  private signal?: AbortSignal;

  constructor(
    private readonly rest: RestClient,
    private readonly defaults: { logger?: Logger; resyncMs?: number } = {},
  ) {}

  /** The shared informer for a resource (all namespaces) with the given selectors. */
  informerFor<T extends KObject>(ri: ResourceInfo | ResourceRef, opts: Pick<InformerOptions<T>, "labelSelector" | "fieldSelector"> = {}): Informer<T> {
    const key = [ri.group, ri.version, ri.resource, opts.labelSelector ?? "", opts.fieldSelector ?? ""].join("|");
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(this.rest.resource<T>(ri), { ...this.defaults, ...opts });
      this.informers.set(key, inf as unknown as Informer<KObject>);
      if (this.signal) void inf.start(this.signal);
    }
    return inf;
  }

  /** Starts every informer created so far, and any created later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) void inf.start(signal);
  }

  /** Resolves true once every informer has synced; false if `signal` aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}
