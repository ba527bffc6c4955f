/**
 * LeaderElector: one active instance among replicas, coordinated through a
 * coordination.k8s.io/v1 Lease and optimistic concurrency (a 409 means another candidate won).
 */
import { isAlreadyExists, isConflict, isNotFound, type Lease, type LeaseSpec } from "@kates/api";
import { sleep } from "./clock.js";
import { noopLogger, type Logger } from "./logger.js";
import type { ResourceClient } from "./resource-client.js";
import type { RestClient } from "./rest-client.js";

/** Options of a LeaderElector. */
export interface LeaderElectorOptions {
  client: RestClient;
  /** Lease name, e.g. "kube-scheduler". */
  name: string;
  /** Lease namespace. Default "kube-system". */
  namespace?: string;
  /** This candidate's unique identity, e.g. `${hostname}_${uuid}`. */
  identity: string;
  /** How long a lease is valid after its last renewal. Default 15 s. Stored rounded up to whole seconds. */
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long gives up. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between acquire or renew attempts. Default 2 s. */
  retryPeriodMs?: number;
  /** Clear the holder on graceful stop so a successor takes over at once. Default true. */
  releaseOnCancel?: boolean;
  logger?: Logger;
  /** Wall clock (ms since epoch). Default Date.now. */
  now?: () => number;
}

/** What a LeaderElector calls as leadership changes. */
export interface LeaderCallbacks {
  /** Called on becoming leader; `signal` aborts when leadership ends. Do the work here. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends (lost, or stopped). Not called if this candidate never led. */
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

const LEASES = { group: "coordination.k8s.io", version: "v1", resource: "leases", namespaced: true, kind: "Lease" };

/** Formats ms since epoch as metav1.MicroTime: `2026-11-22T06:21:27.123456Z`. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Parses RFC3339 (any fraction digits) to ms since epoch; undefined if not a time. */
export function parseMicroTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(ms) ? undefined : ms + Number(`0.${m[2] ?? "0"}`) * 1000;
}

/**
 * Campaigns for a Lease and runs `onStartedLeading` while holding it. A leader renews every
 * retryPeriod and steps down when it could not renew within renewDeadline; others take over
 * when renewTime + leaseDurationSeconds has passed, or at once after a graceful release.
 * @example
 * await new LeaderElector({ client: rest, name: "kates-controller-manager", identity }).run({
 *   onStartedLeading: (signal) => startControllers(signal),
 *   onStoppedLeading: () => process.exit(0),
 * }, shutdownSignal);
 */
export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly o: Required<Omit<LeaderElectorOptions, "client" | "logger" | "now">>;
  private readonly log: Logger;
  private readonly now: () => number;
  private observed = "";
  private leading = false;

  constructor(opts: LeaderElectorOptions) {
    this.o = {
      name: opts.name,
      namespace: opts.namespace ?? "kube-system",
      identity: opts.identity,
      leaseDurationMs: opts.leaseDurationMs ?? 15_000,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
      releaseOnCancel: opts.releaseOnCancel ?? true,
    };
    if (!(this.o.leaseDurationMs > this.o.renewDeadlineMs && this.o.renewDeadlineMs > this.o.retryPeriodMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
    if (!opts.identity) throw new Error("leader election needs an identity");
    this.leases = opts.client.resource<Lease>(LEASES, this.o.namespace);
    this.log = opts.logger ?? noopLogger;
    this.now = opts.now ?? Date.now;
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The last holder observed ("" if none yet). */
  getLeader(): string {
    return this.observed;
  }

  /** Campaigns until leader, leads until the lease is lost or `signal` aborts, then returns. */
  async run(callbacks: LeaderCallbacks, signal: AbortSignal = new AbortController().signal): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.o;
    while (!signal.aborted && !(await this.attempt(callbacks))) await sleep(retryPeriodMs * (1 + Math.random() * 0.2), signal);
    if (signal.aborted) return;

    this.leading = true;
    this.log.info({ lease: this.leaseKey(), identity: this.o.identity }, "became leader");
    const leadership = new AbortController();
    const onAbort = () => leadership.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const work = Promise.resolve()
      .then(() => callbacks.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.log.error({ err }, "onStartedLeading failed"));

    let lastRenew = this.now();
    while (!signal.aborted) {
      await sleep(retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.attempt(callbacks)) lastRenew = this.now();
      else if (this.now() - lastRenew > renewDeadlineMs) {
        this.log.warn({ lease: this.leaseKey(), identity: this.o.identity }, "failed to renew lease, leadership lost");
        break;
      }
    }
    signal.removeEventListener("abort", onAbort);
    leadership.abort();
    this.leading = false;
    // Let the leader's work wind down (bounded) before a successor may start.
    await Promise.race([work, sleep(renewDeadlineMs)]);
    if (signal.aborted && this.o.releaseOnCancel) await this.release();
    callbacks.onStoppedLeading?.();
  }

  /** One acquire-or-renew attempt; errors count as failure. */
  private async attempt(callbacks: LeaderCallbacks): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew(callbacks);
    } catch (err) {
      this.log.warn({ err, lease: this.leaseKey() }, "error acquiring or renewing lease");
      return false;
    }
  }

  private async tryAcquireOrRenew(callbacks: LeaderCallbacks): Promise<boolean> {
    const now = this.now();
    const me = this.o.identity;
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = await this.leases.get(this.o.name, { signal: this.deadline() });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec: LeaseSpec = { holderIdentity: me, leaseDurationSeconds: durationSeconds, acquireTime: formatMicroTime(now), renewTime: formatMicroTime(now), leaseTransitions: 0 };
      try {
        await this.leases.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.o.name, namespace: this.o.namespace }, spec }, { signal: this.deadline() });
      } catch (e) {
        if (isAlreadyExists(e) || isConflict(e)) return false;
        throw e;
      }
      this.observe(me, callbacks);
      return true;
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    if (holder) this.observe(holder, callbacks);
    const renewed = parseMicroTime(spec.renewTime ?? spec.acquireTime) ?? 0;
    const valid = holder !== "" && renewed + (spec.leaseDurationSeconds ?? 0) * 1000 >= now;
    if (holder !== me && valid) return false;

    const next: LeaseSpec = { ...spec, holderIdentity: me, leaseDurationSeconds: durationSeconds, renewTime: formatMicroTime(now) };
    if (holder !== me) {
      next.acquireTime = formatMicroTime(now);
      next.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    try {
      // The resourceVersion in lease.metadata makes this a compare-and-swap.
      await this.leases.update({ ...lease, spec: next }, { signal: this.deadline() });
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
    this.observe(me, callbacks);
    return true;
  }

  /** Gives the lease up so that a successor need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const lease = await this.leases.get(this.o.name);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const spec: LeaseSpec = { ...lease.spec, leaseDurationSeconds: 1, renewTime: formatMicroTime(this.now()) };
      delete spec.holderIdentity;
      await this.leases.update({ ...lease, spec });
      this.log.info({ lease: this.leaseKey(), identity: this.o.identity }, "released lease");
    } catch (err) {
      this.log.warn({ err, lease: this.leaseKey() }, "failed to release lease");
    }
  }

  private observe(holder: string, callbacks: LeaderCallbacks): void {
    if (holder === this.observed) return;
    this.observed = holder;
    try {
      callbacks.onNewLeader?.(holder);
    } catch (err) {
      this.log.error({ err }, "onNewLeader failed");
    }
  }

  /** Bounds each lease request, so a hung apiserver cannot stall renewals past the deadline. */
  private deadline(): AbortSignal {
    return AbortSignal.timeout(this.o.renewDeadlineMs);
  }

  private leaseKey(): string {
    return `${this.o.namespace}/${this.o.name}`;
  }
}

/**
 * How every leader-elected daemon runs its work (kube-scheduler, kube-controller-manager):
 * `lead` runs only while this process holds the Lease (or at once when election is off).
 * Losing leadership is an error, so the process exits and restarts clean from the API,
 * which holds all state; a graceful stop (signal aborted) returns normally.
 */
export async function runLeaderElected(
  opts: LeaderElectorOptions & { enabled: boolean },
  lead: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (!opts.enabled) return lead(signal);
  let led = false;
  const elector = new LeaderElector(opts);
  await elector.run({
    onStartedLeading: (s) => {
      led = true;
      return lead(s);
    },
    onNewLeader: (id) => opts.logger?.info({ leader: id, lease: opts.name }, "new leader"),
  }, signal);
  if (led && !signal.aborted) throw new Error(`leader election lost (lease ${opts.namespace ?? "kube-system"}/${opts.name})`);
}
