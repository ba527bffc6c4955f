/**
 * Test doubles for workload controllers: a ClientFor that records every write as an action
 * (sample-controller's fake clientset), an informer whose cache tests fill by hand, and an
 * EventSink that keeps events in a list.
 */
import { randomUUID } from "node:crypto";
import { NotFoundError, type KObject, type ResourceInfo } from "@kates/api";
import { Indexer, type EventType, type InformerHandlers } from "@kates/client";
import type { ClientFor, EventSink, InformerLike, ObjectClient } from "./workload-client.js";

/** One write a controller made. */
export interface Action {
  verb: "create" | "update" | "updateStatus" | "patch" | "delete";
  resource: string;
  namespace: string;
  name: string;
  body?: unknown;
}

/** Records actions; creates get a name (from generateName), uid and creationTimestamp. */
export class FakeClient {
  readonly actions: Action[] = [];
  /** Makes the next calls of `verb` on `resource` fail with this error. */
  failures = new Map<string, unknown>();
  private seq = 0;

  readonly clientFor: ClientFor = <T extends KObject>(ri: ResourceInfo, namespace: string): ObjectClient<T> => {
    const record = (verb: Action["verb"], name: string, body?: unknown) => {
      this.actions.push({ verb, resource: ri.resource, namespace, name, body });
      const failure = this.failures.get(`${verb} ${ri.resource}`);
      if (failure) throw failure;
    };
    return {
      get: async (name) => {
        throw new NotFoundError(ri.resource, name);
      },
      create: async (obj) => {
        const name = obj.metadata.name || `${obj.metadata.generateName ?? ""}${(++this.seq).toString(36).padStart(5, "x")}`;
        record("create", name, obj);
        return { ...obj, metadata: { ...obj.metadata, name, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString(), resourceVersion: "1" } } as T;
      },
      update: async (obj) => (record("update", obj.metadata.name!, obj), obj),
      updateStatus: async (obj) => (record("updateStatus", obj.metadata.name!, obj), obj),
      patch: async (name, body) => (record("patch", name, body), { metadata: { name, namespace } } as T),
      delete: async (name) => (record("delete", name), { metadata: { name, namespace } } as T),
    };
  };

  /** Actions of one verb and resource, e.g. `of("create", "pods")`. */
  of(verb: Action["verb"], resource: string): Action[] {
    return this.actions.filter((a) => a.verb === verb && a.resource === resource);
  }
}

/** An informer whose cache is filled with `add`; handlers are never called. */
export class FakeInformer<T extends KObject> implements InformerLike<T> {
  readonly lister = new Indexer<T>();

  on<E extends keyof InformerHandlers<T>>(_event: E, _handler: InformerHandlers<T>[E]): this {
    return this;
  }

  async waitForSync(): Promise<boolean> {
    return true;
  }

  /** Puts objects into the cache. */
  add(...objs: T[]): this {
    for (const o of objs) this.lister.upsert(o);
    return this;
  }
}

/** Keeps events as `Type Reason Message` strings. */
export class FakeRecorder implements EventSink {
  readonly events: string[] = [];

  event(_obj: KObject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}
