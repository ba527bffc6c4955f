/**
 * Runs bindings in the background with bounded concurrency, so the scheduling loop never
 * waits for an apiserver round-trip: a pod is assumed onto its node at once and the next pod
 * is scheduled while the binding is in flight (kube-scheduler's binding cycle goroutines).
 */
export class Binder {
  private inFlight = 0;
  private readonly pending: (() => Promise<void>)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly parallelism: number) {}

  get size(): number {
    return this.inFlight + this.pending.length;
  }

  /** Queues a task; tasks must handle their own errors. */
  submit(task: () => Promise<void>): void {
    if (this.inFlight < this.parallelism) this.start(task);
    else this.pending.push(task);
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    if (this.size === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private start(task: () => Promise<void>): void {
    this.inFlight++;
    void task().catch(() => {}).finally(() => {
      this.inFlight--;
      const next = this.pending.shift();
      if (next) this.start(next);
      else if (this.inFlight === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of w) r();
      }
    });
  }
}
