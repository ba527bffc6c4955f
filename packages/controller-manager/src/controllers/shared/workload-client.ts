/**
 * The narrow seams between workload controllers and the outside world, so unit tests can
 * call `sync(key)` with pre-filled caches and a recording fake instead of a live apiserver.
 */
import type { KObject, ResourceInfo } from "@kates/api";
import type { EventType, InformerHandlers, Lister, ResourceClient, RestClient } from "@kates/client";

/** What a controller does to objects of one resource in one namespace. */
export type ObjectClient<T extends KObject> = Pick<ResourceClient<T>, "get" | "create" | "update" | "updateStatus" | "patch" | "delete">;

/** Hands out an ObjectClient per resource and namespace. */
export type ClientFor = <T extends KObject>(ri: ResourceInfo, namespace: string) => ObjectClient<T>;

/** The ClientFor of a real RestClient. */
export function restClientFor(rest: RestClient): ClientFor {
  return <T extends KObject>(ri: ResourceInfo, namespace: string) => rest.resource<T>(ri, namespace);
}

/** Where controllers send Events (an EventRecorder, or a recording fake). */
export interface EventSink {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

/** The parts of an Informer a controller uses: its cache, handlers and sync state. */
export interface InformerLike<T extends KObject> {
  readonly lister: Lister<T>;
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): unknown;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}
