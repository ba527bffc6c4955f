/** Test doubles for the workload controllers' unit tests: a recording client and recorder. */
import type { KObject, ResourceInfo, StatefulSet } from "@kates/api";
import { NotFoundError } from "@kates/api";
import { Indexer, type DeleteCallOptions } from "@kates/client";
import type { ObjectClient } from "./workload-utils.js";

export interface Action {
  verb: "create" | "update" | "updateStatus" | "delete";
  resource: string;
  namespace?: string;
  name: string;
  obj?: KObject;
  opts?: DeleteCallOptions;
}

/** Records every write; creates get a name (from generateName) and a uid; `fail` makes a verb throw. */
export class FakeObjectClient implements ObjectClient {
  readonly actions: Action[] = [];
  private seq = 0;
  /** Names that deletes report as missing (404). */
  readonly missing = new Set<string>();

  async create<T extends KObject>(ri: ResourceInfo, namespace: string | undefined, obj: T): Promise<T> {
    const o = structuredClone(obj);
    o.metadata.name ??= `${o.metadata.generateName ?? ""}${(this.seq++).toString(36).padStart(5, "x")}`;
    o.metadata.namespace = ri.namespaced ? namespace : undefined;
    o.metadata.uid ??= `uid-${this.seq++}`;
    this.actions.push({ verb: "create", resource: ri.resource, namespace, name: o.metadata.name!, obj: o });
    return o;
  }

  async update<T extends KObject>(ri: ResourceInfo, obj: T): Promise<T> {
    this.actions.push({ verb: "update", resource: ri.resource, namespace: obj.metadata.namespace, name: obj.metadata.name!, obj: structuredClone(obj) });
    return structuredClone(obj);
  }

  async updateStatus<T extends KObject>(ri: ResourceInfo, obj: T): Promise<T> {
    this.actions.push({ verb: "updateStatus", resource: ri.resource, namespace: obj.metadata.namespace, name: obj.metadata.name!, obj: structuredClone(obj) });
    return structuredClone(obj);
  }

  async delete(ri: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteCallOptions): Promise<void> {
    if (this.missing.has(name)) throw new NotFoundError(ri.resource, name);
    this.actions.push({ verb: "delete", resource: ri.resource, namespace, name, opts });
  }

  /** Actions as short strings, e.g. "create pods", "delete pods web-1". */
  summary(): string[] {
    return this.actions.map((a) => (a.verb === "create" ? `create ${a.resource}` : `${a.verb} ${a.resource} ${a.name}`));
  }

  last(verb: Action["verb"], resource: string): KObject | undefined {
    return [...this.actions].reverse().find((a) => a.verb === verb && a.resource === resource)?.obj;
  }
}

// The recording EventSink is shared/'s: Recorder is an alias of EventSink.
export { FakeRecorder } from "../shared/fake-client.js";

/** An informer-like cache pre-filled with objects. */
export function store<T extends KObject>(...objs: T[]): Indexer<T> {
  const s = new Indexer<T>();
  for (const o of objs) s.upsert(o);
  return s;
}

/** StatefulSet "web" (2 replicas of nginx `image`, selector app=nginx), for revision and controller tests. */
export function statefulSetFixture(image = "nginx:1", spec: Partial<NonNullable<StatefulSet["spec"]>> = {}, status?: StatefulSet["status"]): StatefulSet {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", uid: "sts-uid", generation: 1 },
    spec: {
      replicas: 2, serviceName: "nginx",
      selector: { matchLabels: { app: "nginx" } },
      template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image }] } },
      ...spec,
    },
    status,
  };
}
