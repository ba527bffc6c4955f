/**
 * The scheduling queue (kube-scheduler's PriorityQueue, in FIFO order): pods wait in
 * - activeQ: ready to be tried now;
 * - backoffQ: tried and failed, waiting out a per-pod back-off (1 s doubling to 10 s);
 * - unschedulable: no node fitted; they stay until a cluster event that may make room
 *   (node added or changed, pod deleted) moves them all back, or until they have waited
 *   maxUnschedulableMs, a safety net for events the scheduler does not watch.
 * A popped pod is "in flight" until done(): the same key is never scheduled twice at once.
 * Pods of equal priority are tried in arrival order; kates does not sort by priority.
 */
import type { Pod } from "@kates/api";

export interface QueuedPod {
  key: string;
  pod: Pod;
  /** Scheduling attempts so far (the back-off exponent). */
  attempts: number;
  /** Epoch ms before which a failed pod must not be retried. */
  backoffUntil: number;
  /** When the pod entered the unschedulable pool. */
  unschedulableSince: number;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** How often back-off and unschedulable pools are checked. */
  flushIntervalMs?: number;
  now?: () => number;
}

export class SchedulingQueue {
  private active: string[] = [];
  private head = 0;
  private readonly items = new Map<string, QueuedPod>();
  private readonly activeSet = new Set<string>();
  private readonly backoff = new Set<string>();
  private readonly unschedulable = new Set<string>();
  private readonly inFlight = new Map<string, QueuedPod>();
  private waiter?: () => void;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly o: Required<Omit<SchedulingQueueOptions, "now">>;
  private readonly now: () => number;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.o = {
      initialBackoffMs: opts.initialBackoffMs ?? 1000,
      maxBackoffMs: opts.maxBackoffMs ?? 10_000,
      maxUnschedulableMs: opts.maxUnschedulableMs ?? 60_000,
      flushIntervalMs: opts.flushIntervalMs ?? 200,
    };
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.flush(), this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Pods waiting in each pool (for tests and /metrics). */
  get stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeSet.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  has(key: string): boolean {
    return this.items.has(key) || this.inFlight.has(key);
  }

  /** A new pending pod, or a newer copy of one already queued. */
  add(key: string, pod: Pod): void {
    if (this.closed) return;
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      inFlight.pod = pod;
      return;
    }
    const existing = this.items.get(key);
    if (existing) {
      existing.pod = pod;
      return;
    }
    this.items.set(key, { key, pod, attempts: 0, backoffUntil: 0, unschedulableSince: 0 });
    this.pushActive(key);
  }

  /**
   * A pending pod changed. If it was parked as unschedulable and its spec or labels changed,
   * it may fit now, so it is retried (after its back-off). Status-only changes, like the
   * PodScheduled condition the scheduler itself writes, do not count.
   */
  update(key: string, oldPod: Pod, newPod: Pod): void {
    const qp = this.items.get(key);
    if (!qp) return this.add(key, newPod);
    qp.pod = newPod;
    if (this.unschedulable.has(key) && specChanged(oldPod, newPod)) {
      this.unschedulable.delete(key);
      this.requeue(qp);
    }
  }

  delete(key: string): void {
    this.items.delete(key);
    this.activeSet.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    // A pod in flight is finished by done(); its cycle notices the pod is gone when binding fails.
  }

  /** Waits for the next pod to try; undefined once the queue is closed. */
  async pop(): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      while (this.head < this.active.length) {
        const key = this.active[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.active.length) {
          this.active = this.active.slice(this.head);
          this.head = 0;
        }
        if (!this.activeSet.delete(key)) continue; // deleted or moved since it was pushed
        const qp = this.items.get(key)!;
        this.items.delete(key);
        qp.attempts++;
        this.inFlight.set(key, qp);
        return qp;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Ends a pod's cycle; it was bound, or handed back with addUnschedulable/addBackoff. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /** No node fitted: park the pod until the cluster changes. */
  addUnschedulable(qp: QueuedPod): void {
    this.inFlight.delete(qp.key);
    if (this.closed) return;
    qp.backoffUntil = this.now() + this.backoffMs(qp.attempts);
    qp.unschedulableSince = this.now();
    this.items.set(qp.key, qp);
    this.unschedulable.add(qp.key);
  }

  /** An error (e.g. a failed binding): retry after the pod's back-off. */
  addBackoff(qp: QueuedPod): void {
    this.inFlight.delete(qp.key);
    if (this.closed) return;
    qp.backoffUntil = this.now() + this.backoffMs(qp.attempts);
    this.items.set(qp.key, qp);
    this.backoff.add(qp.key);
  }

  /** A cluster event that may make unschedulable pods fit: retry them all (after back-off). */
  moveAllToActive(): void {
    for (const key of this.unschedulable) {
      const qp = this.items.get(key);
      if (qp) this.requeue(qp);
    }
    this.unschedulable.clear();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.waiter?.();
  }

  backoffMs(attempts: number): number {
    return Math.min(this.o.initialBackoffMs * 2 ** Math.max(0, attempts - 1), this.o.maxBackoffMs);
  }

  /** Moves expired back-offs to activeQ and long-parked unschedulable pods back into play. */
  flush(): void {
    const now = this.now();
    for (const key of this.backoff) {
      const qp = this.items.get(key);
      if (!qp) this.backoff.delete(key);
      else if (qp.backoffUntil <= now) {
        this.backoff.delete(key);
        this.pushActive(key);
      }
    }
    for (const key of this.unschedulable) {
      const qp = this.items.get(key);
      if (qp && now - qp.unschedulableSince >= this.o.maxUnschedulableMs) {
        this.unschedulable.delete(key);
        this.requeue(qp);
      }
    }
  }

  private requeue(qp: QueuedPod): void {
    if (qp.backoffUntil > this.now()) this.backoff.add(qp.key);
    else this.pushActive(qp.key);
  }

  private pushActive(key: string): void {
    if (this.activeSet.has(key)) return;
    this.activeSet.add(key);
    this.active.push(key);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

function specChanged(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) || JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels);
}
