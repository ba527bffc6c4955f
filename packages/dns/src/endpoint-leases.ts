/**
 * Lease-based endpoint reconciling for kube-dns, after the apiserver's master-lease idea: a
 * replica that dies without SIGTERM cannot withdraw itself, so liveness is a
 * coordination.k8s.io/v1 Lease `kates-dns-<address, dashed>` each replica renews, and every
 * replica, on every tick, keeps in kube-dns' endpoints exactly the addresses whose Lease is
 * unexpired (plus itself). All writes are level-triggered, skipped when nothing differs and
 * guarded by resourceVersion; a 409 is simply retried at the next tick.
 */
import { findResource, isAlreadyExists, isConflict, isNotFound, type EndpointSlice, type Lease } from "@kates/api";
import { formatMicroTime, parseMicroTime, type RestClient } from "@kates/client";
import { parseDuration } from "@kates/component-base";
import { MANAGED_BY, MANAGED_BY_LABEL, Registration, SERVICE_NAME, SERVICE_NAMESPACE, type RegistrationOptions } from "./register.js";
import { SERVICE_NAME_LABEL } from "./records.js";

const LEASES = findResource("coordination.k8s.io", "v1", "leases")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

/** Label on every kates-dns Lease, so replicas list only each other's. */
export const LEASE_LABEL = "k8s-app";
export const LEASE_LABEL_VALUE = "kates-dns";

/** The Lease name of the replica at `address`: `kates-dns-` and the address with dots and colons as dashes. */
export function leaseName(address: string): string {
  return `kates-dns-${address.toLowerCase().replace(/[^a-z0-9]/g, "-")}`;
}

/** The addresses whose Lease is unexpired at `now` (renewTime + leaseDurationSeconds > now), and always `self`. */
export function aliveAddresses(leases: readonly Lease[], self: string, now: number): Set<string> {
  const alive = new Set([self]);
  for (const l of leases) {
    const holder = l.spec?.holderIdentity;
    const renewed = parseMicroTime(l.spec?.renewTime ?? l.spec?.acquireTime);
    if (!holder || renewed === undefined) continue;
    if (renewed + (l.spec?.leaseDurationSeconds ?? 0) * 1000 > now) alive.add(holder);
  }
  return alive;
}

/** Validates the lease flags: a positive renew interval, a whole-second duration longer than it. */
export function leaseTimes(renew: string, duration: string): { leaseRenewIntervalMs: number; leaseDurationSeconds: number } {
  const renewMs = parseDuration(renew);
  const durationMs = parseDuration(duration);
  if (!(renewMs > 0)) throw new Error("--lease-renew-interval must be positive");
  if (!(durationMs >= 1000) || durationMs % 1000 !== 0) throw new Error("--lease-duration must be a whole number of seconds, at least 1s");
  if (durationMs <= renewMs) throw new Error("--lease-duration must be longer than --lease-renew-interval, or a live server's Lease expires between renewals");
  return { leaseRenewIntervalMs: renewMs, leaseDurationSeconds: durationMs / 1000 };
}

export interface EndpointLeasesOptions extends RegistrationOptions {
  /** leaseDurationSeconds written on our Lease. */
  leaseDurationSeconds: number;
  /** Wall clock (ms since epoch). Default Date.now. */
  now?: () => number;
}

/** Renews this replica's Lease and reconciles kube-dns' endpoints from all replicas' Leases (see the file header). */
export class EndpointLeases {
  private readonly registration: Registration;
  private readonly now: () => number;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: EndpointLeasesOptions,
  ) {
    this.registration = new Registration(rest, opts);
    this.now = opts.now ?? Date.now;
  }

  private get leases() {
    return this.rest.resource<Lease>(LEASES, SERVICE_NAMESPACE);
  }

  private get slices() {
    return this.rest.resource<EndpointSlice>(SLICES, SERVICE_NAMESPACE);
  }

  /** One tick: renew our Lease, then make the slices and Endpoints list exactly the live replicas. Returns the live set. */
  async tick(): Promise<Set<string>> {
    await this.renew();
    const leases = (await this.leases.list({ labelSelector: `${LEASE_LABEL}=${LEASE_LABEL_VALUE}` })).items;
    const alive = aliveAddresses(leases, this.opts.address, this.now());
    await this.registration.ensure(alive);
    await this.dropDeadSlices(alive);
    return alive;
  }

  /** Graceful stop: withdraw at once (slice, Endpoints address) and delete our Lease. */
  async release(): Promise<void> {
    await this.registration.withdraw();
    try {
      await this.leases.delete(leaseName(this.opts.address));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async renew(): Promise<void> {
    const name = leaseName(this.opts.address);
    const renewTime = formatMicroTime(this.now());
    let current: Lease | undefined;
    try {
      current = await this.leases.get(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const spec = { holderIdentity: this.opts.address, leaseDurationSeconds: this.opts.leaseDurationSeconds, renewTime };
    if (current) {
      await this.leases.update({ ...current, spec: { ...current.spec, ...spec } });
      return;
    }
    try {
      await this.leases.create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: SERVICE_NAMESPACE, labels: { [LEASE_LABEL]: LEASE_LABEL_VALUE } },
        spec: { ...spec, acquireTime: renewTime },
      });
    } catch (err) {
      // Another writer raced us (a restarted twin): our next tick updates it.
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** Deletes kates-dns slices none of whose addresses is alive; the resourceVersion precondition spares a slice rewritten meanwhile. */
  private async dropDeadSlices(alive: Set<string>): Promise<void> {
    const selector = `${SERVICE_NAME_LABEL}=${SERVICE_NAME},${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    for (const s of (await this.slices.list({ labelSelector: selector })).items) {
      if (s.endpoints.some((e) => e.addresses.some((a) => alive.has(a)))) continue;
      try {
        await this.slices.delete(s.metadata.name!, { preconditions: { resourceVersion: s.metadata.resourceVersion } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}
