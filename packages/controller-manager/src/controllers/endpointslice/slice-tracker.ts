/**
 * The slice informer lags behind the controller's own writes. A sync that ran on a cache not
 * yet showing the slices the previous sync created would place the same endpoints a second
 * time (in new slices); with several slices per Service that churn is worth avoiding, so, as
 * Kubernetes' slice tracker does, the controller remembers what it wrote and waits for the
 * cache to show it. A deadline bounds the wait, since someone else may delete a slice first.
 */
import type { EndpointSlice } from "@kates/api";

interface Pending {
  deadline: number;
  /** Slice name -> resourceVersion written, or undefined for a deletion. */
  slices: Map<string, string | undefined>;
}

/** Newer-or-equal by etcd revision; non-numeric versions only compare equal. */
function atLeast(seen: string | undefined, wrote: string): boolean {
  if (seen === wrote) return true;
  const a = Number(seen);
  const b = Number(wrote);
  return Number.isFinite(a) && Number.isFinite(b) && a >= b;
}

/** Per-Service record of slice writes not yet seen in the informer cache. */
export class SliceWriteTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly graceMs = 5000, private readonly now: () => number = Date.now) {}

  /** Records what a sync of `key` wrote (slices as returned by the apiserver) and deleted (names). */
  record(key: string, written: EndpointSlice[], deleted: string[]): void {
    if (written.length === 0 && deleted.length === 0) return;
    const p = this.pending.get(key) ?? { deadline: 0, slices: new Map() };
    p.deadline = this.now() + this.graceMs;
    for (const s of written) p.slices.set(s.metadata.name!, s.metadata.resourceVersion ?? "");
    for (const name of deleted) p.slices.set(name, undefined);
    this.pending.set(key, p);
  }

  /** True once `get` (the cache) shows every recorded write of `key`, or the grace period is over. */
  caughtUp(key: string, get: (name: string) => EndpointSlice | undefined): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    const seen = [...p.slices].every(([name, rv]) => {
      const s = get(name);
      return rv === undefined ? !s : !!s && atLeast(s.metadata.resourceVersion, rv);
    });
    if (seen || this.now() > p.deadline) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }
}
