/**
 * Placement of a Service's endpoints into EndpointSlices of at most `maxPerSlice` endpoints,
 * with as few writes as possible, in the spirit of Kubernetes' reconciler: an endpoint stays
 * in the slice that already holds it (updated in place when it changed), removed endpoints
 * leave their slice, new ones fill the slices already being written first, then whole new
 * slices, and a last partial batch goes into an untouched slice only if it fits there
 * entirely (one write instead of several). Slices left empty are deleted, but a deletion
 * paired with a creation becomes an update of the doomed slice; a Service without endpoints
 * keeps exactly one empty placeholder slice. Slices whose content is unchanged are not
 * written, so a repeated reconcile is a no-op.
 */
import type { Endpoint, EndpointSlice, EndpointSlicePort, Service } from "@kates/api";
import { canonical } from "../endpoints/endpoints-utils.js";
import { desiredSlice, sliceContent, type SliceGroup } from "./endpointslice-utils.js";

/** Kubernetes' --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** Kubernetes rejects --max-endpoints-per-slice above this (the API caps a slice at 1000 endpoints). */
export const MAX_MAX_ENDPOINTS_PER_SLICE = 1000;

/** --max-endpoints-per-slice as Kubernetes validates it: an integer in 1..1000, else an Error (exit 2 at flag parsing). */
export function parseMaxEndpointsPerSlice(s: string): number {
  const n = Number(s.trim());
  if (!/^\d+$/.test(s.trim()) || n < 1 || n > MAX_MAX_ENDPOINTS_PER_SLICE) {
    throw new Error(`--max-endpoints-per-slice must be an integer between 1 and ${MAX_MAX_ENDPOINTS_PER_SLICE}, got ${JSON.stringify(s)}`);
  }
  return n;
}

/** What to create, update and delete to make `existing` (this service's managed slices) hold `groups`. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

const portsKey = (ports: EndpointSlicePort[] | undefined) => canonical(ports ?? []);

/** An endpoint's identity across reconciles: its pod when it has one, else its addresses. */
export function endpointKey(ep: Endpoint): string {
  const t = ep.targetRef;
  return t?.name ? `${t.namespace ?? ""}/${t.name}` : `@${ep.addresses.join(",")}`;
}

const byAddress = (a: Endpoint, b: Endpoint) => (a.addresses[0] ?? "").localeCompare(b.addresses[0] ?? "") || endpointKey(a).localeCompare(endpointKey(b));

/** A slice being kept, with the endpoints it is to hold. */
interface Kept {
  slice: EndpointSlice;
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
}

/** Work of one port set: the slices to write, the groups to create, the slices to drop. */
interface GroupResult {
  write: Kept[];
  create: SliceGroup[];
  drop: EndpointSlice[];
}

/**
 * Keeps each endpoint of `g` where `slices` (same port set) already hold it, then places the
 * rest (see the file header). Duplicates and endpoints beyond `max` in one slice are taken
 * out of that slice and placed like new ones.
 */
function placeGroup(svc: Service, g: SliceGroup, slices: EndpointSlice[], max: number): GroupResult {
  const out: GroupResult = { write: [], create: [], drop: [] };
  const pending = new Map(g.endpoints.map((ep) => [endpointKey(ep), ep]));
  const untouched: Kept[] = [];
  for (const slice of slices) {
    const endpoints: Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const want = pending.get(endpointKey(ep));
      if (!want || endpoints.length >= max) continue;
      pending.delete(endpointKey(ep));
      endpoints.push(want);
    }
    if (endpoints.length === 0) out.drop.push(slice);
    else if (changed(svc, { slice, ports: g.ports, endpoints })) out.write.push({ slice, ports: g.ports, endpoints });
    else untouched.push({ slice, ports: g.ports, endpoints });
  }
  const rest = [...pending.values()];
  // Fullest first, so fewer slices end up partly filled.
  for (const k of [...out.write].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
    k.endpoints.push(...rest.splice(0, max - k.endpoints.length));
  }
  while (rest.length >= max) out.create.push({ ports: g.ports, endpoints: rest.splice(0, max) });
  if (rest.length > 0) {
    const fits = untouched.filter((k) => k.endpoints.length + rest.length <= max).sort((a, b) => b.endpoints.length - a.endpoints.length)[0];
    if (fits) {
      fits.endpoints.push(...rest);
      out.write.push(fits);
    } else {
      out.create.push({ ports: g.ports, endpoints: rest });
    }
  }
  return out;
}

/** `k.slice` rewritten to hold `k`'s endpoints, sorted so that equal content compares equal. */
function rewritten(svc: Service, k: Kept): EndpointSlice {
  return desiredSlice(svc, { ports: k.ports, endpoints: [...k.endpoints].sort(byAddress) }, k.slice);
}

function changed(svc: Service, k: Kept): boolean {
  return canonical(sliceContent(rewritten(svc, k))) !== canonical(sliceContent(k.slice));
}

/**
 * The writes that turn `existing` into slices holding every endpoint of `groups` (one group
 * per port set), at most `maxPerSlice` per slice.
 */
export function planSlices(svc: Service, groups: SliceGroup[], existing: EndpointSlice[], maxPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  // In-process callers bypass flag parsing; a 0 here would never finish splitting.
  parseMaxEndpointsPerSlice(String(maxPerSlice));
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
    const key = portsKey(s.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  const write: Kept[] = [];
  const create: SliceGroup[] = [];
  const drop: EndpointSlice[] = [];
  for (const g of groups) {
    if (g.endpoints.length === 0) continue;
    const key = portsKey(g.ports);
    const r = placeGroup(svc, g, byPorts.get(key) ?? [], maxPerSlice);
    byPorts.delete(key);
    write.push(...r.write);
    create.push(...r.create);
    drop.push(...r.drop);
  }
  for (const slices of byPorts.values()) drop.push(...slices);
  if (!groups.some((g) => g.endpoints.length > 0)) {
    // No endpoints at all: exactly one placeholder, preferably a slice that already is one.
    const i = drop.findIndex((s) => !s.endpoints?.length && !s.ports?.length);
    const keep = i >= 0 ? drop.splice(i, 1)[0]! : drop.shift();
    if (keep) write.push({ slice: keep, ports: [], endpoints: [] });
    else create.push({ ports: [], endpoints: [] });
  }
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  for (const k of write) if (changed(svc, k)) plan.update.push(rewritten(svc, k));
  for (const g of create) {
    const sorted = { ports: g.ports, endpoints: [...g.endpoints].sort(byAddress) };
    // A slice about to be deleted is rewritten instead: one write rather than two.
    const reuse = drop.shift();
    if (reuse) plan.update.push(desiredSlice(svc, sorted, reuse));
    else plan.create.push(desiredSlice(svc, sorted));
  }
  plan.delete.push(...drop);
  return plan;
}

