/**
 * Expectations: what a controller has asked the API to create or delete and has not yet
 * seen in its informer cache. A sync whose expectations are unmet skips scaling, so a
 * lagging cache never makes it create (or delete) the same pods twice.
 *
 * Two shapes exist because deletions are observed differently. ControllerExpectations (the
 * ReplicaSet and Deployment controllers) keeps the keys of the pods being deleted, so seeing
 * the same pod go away twice (a deletionTimestamp update, then the delete event) counts once.
 * CountingExpectations (Job, DaemonSet, StatefulSet) only counts, and its controllers take
 * care to observe each deletion once; it can expect creations and deletions in one record,
 * as a DaemonSet sync does when it adds and removes pods together.
 */

interface Expectation {
  adds: number;
  /** Keys of pods we asked to delete and have not seen go away. */
  deletes: Set<string>;
  at: number;
}

/** Expectations older than this are treated as met: an event may have been lost for good. */
const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

/** Per-controller-key counters of pending creations and deletions. */
export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when nothing is pending for `key` (or the record expired): the cache can be trusted. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Records that `count` creations are under way, replacing any older record. */
  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { adds: count, deletes: new Set(), at: this.now() });
  }

  /** Records that the pods `podKeys` are being deleted, replacing any older record. */
  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { adds: 0, deletes: new Set(podKeys), at: this.now() });
  }

  /** A created pod showed up in the cache (or its creation failed and never will). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** A pod we were deleting is gone or terminating (or its deletion failed). */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  /** Forgets `key`, e.g. once its owner is deleted. */
  delete(key: string): void {
    this.byKey.delete(key);
  }
}

/** Per-controller-key counters of pending creations and deletions, deletions by count only. */
export class CountingExpectations {
  private readonly pending = new Map<string, { add: number; del: number; at: number }>();

  constructor(private readonly now: () => number = Date.now, private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  /** Records that `add` creations and `del` deletions are under way, replacing any older record. */
  expect(key: string, add: number, del: number): void {
    this.pending.set(key, { add, del, at: this.now() });
  }

  /** A created pod showed up in the cache (or its creation failed and never will). */
  creationObserved(key: string): void {
    const e = this.pending.get(key);
    if (e && e.add > 0) e.add--;
  }

  /** A pod being deleted is gone or terminating (or its deletion failed). */
  deletionObserved(key: string): void {
    const e = this.pending.get(key);
    if (e && e.del > 0) e.del--;
  }

  /** True when nothing is pending for `key` (or the record expired): the cache can be trusted. */
  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    return !e || (e.add <= 0 && e.del <= 0) || this.now() - e.at > this.ttlMs;
  }

  /** Forgets `key`, e.g. once its owner is deleted. */
  forget(key: string): void {
    this.pending.delete(key);
  }
}
