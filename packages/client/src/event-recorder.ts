/**
 * EventRecorder: writes core/v1 Events the way client-go's recorder does, so that
 * `kubectl describe` shows "Scheduled", "Pulled", "ScalingReplicaSet" and friends. A repeat
 * of the same (object, type, reason, message) within ten minutes bumps `count` and
 * `lastTimestamp` on the existing Event instead of creating another.
 *
 * Recording never throws and never blocks the caller: events are best-effort, as in
 * Kubernetes.
 */
import { findResource, type KObject } from "@kates/api";
import type { Logger } from "./logger.js";
import type { RestClient } from "./rest-client.js";

export type EventType = "Normal" | "Warning";

export interface EventSource {
  /** e.g. "default-scheduler", "kubelet", "deployment-controller". */
  component: string;
  /** The node, for kubelets. */
  host?: string;
}

const AGGREGATION_WINDOW_MS = 10 * 60 * 1000;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly events;

  constructor(private readonly rest: RestClient, private readonly source: EventSource, private readonly log?: Logger) {
    this.events = findResource("", "v1", "events")!;
  }

  /** Records an event about `obj`; returns when written (callers usually don't await). */
  async record(obj: KObject, type: EventType, reason: string, message: string): Promise<void> {
    try {
      await this.write(obj, type, reason, message);
    } catch (err) {
      this.log?.debug({ err, reason, object: obj.metadata?.name }, "could not record event");
    }
  }

  /** Fire-and-forget form of record(). */
  event(obj: KObject, type: EventType, reason: string, message: string): void {
    void this.record(obj, type, reason, message);
  }

  private async write(obj: KObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || "default";
    const key = [obj.metadata.uid, type, reason, message].join("\u0000");
    const now = new Date();
    const prior = this.seen.get(key);
    const client = this.rest.resource<KObject>(this.events, namespace);
    if (prior && now.getTime() - prior.at < AGGREGATION_WINDOW_MS) {
      prior.count++;
      prior.at = now.getTime();
      try {
        await client.patch(prior.name, { count: prior.count, lastTimestamp: rfc3339(now) }, "merge");
        return;
      } catch {
        // The event was deleted (TTL, namespace cleanup): start a new one below.
      }
    }
    this.pruneSeen(now.getTime());
    const ts = rfc3339(now);
    const name = `${obj.metadata.name}.${(now.getTime() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    await client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.source.component, ...(this.source.host && { host: this.source.host }) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? "",
    } as KObject);
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: ts, at: now.getTime() });
  }

  private pruneSeen(now: number): void {
    if (this.seen.size < 4096) return;
    for (const [k, v] of this.seen) if (now - v.at > AGGREGATION_WINDOW_MS) this.seen.delete(k);
  }
}
