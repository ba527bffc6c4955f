/**
 * host-gw routes: every other node's podCIDR via that node's InternalIP, tagged with our own
 * route protocol number so the routes we made are found again (after a restart too) and
 * stale ones removed, while every other route on the machine is left alone.
 */
import type { Node } from "@kates/api";
import { mustRun, type Runner } from "./exec.js";

/** Default route protocol number of our routes (`ip route ... proto 75`); iproute2 reserves none of 0-255 above 4 for us, 75 is unused by known daemons. */
export const DEFAULT_ROUTE_PROTOCOL = 75;

/** One route: destination CIDR via gateway address. */
export interface Route {
  dst: string;
  via: string;
}

/** A node's podCIDR and InternalIP, when it has both. */
export function nodeRoute(node: Node): Route | undefined {
  const dst = node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0];
  const via = node.status?.addresses?.find((a) => a.type === "InternalIP" && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
  return dst && via && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(dst) ? { dst, via } : undefined;
}

/**
 * Routes this node wants: one per OTHER node with a podCIDR and an InternalIP that is not an
 * address of this machine (several kubelets on one machine reach each other's bridges
 * directly), and not overlapping this node's own podCIDR.
 */
export function desiredRoutes(nodes: Node[], self: string, localAddresses: Set<string>, ownPodCIDR?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of [...nodes].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
    if (n.metadata.name === self) continue;
    const r = nodeRoute(n);
    if (!r || localAddresses.has(r.via) || r.dst === ownPodCIDR || out.has(r.dst)) continue;
    out.set(r.dst, r.via);
  }
  return out;
}

/** Parses `ip -j route show proto N` into dst -> gateway (routes without a gateway map to ""). */
export function parseRoutes(json: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = json.trim();
  if (!text) return out;
  for (const r of JSON.parse(text) as { dst?: string; gateway?: string }[]) {
    if (!r.dst || r.dst === "default") continue;
    // iproute2 prints a /32 without its prefix length.
    out.set(r.dst.includes("/") ? r.dst : `${r.dst}/32`, r.gateway ?? "");
  }
  return out;
}

/** What to change to get from `current` to `desired`: routes to (re)place and routes to delete. */
export function diffRoutes(current: Map<string, string>, desired: Map<string, string>): { replace: Route[]; remove: Route[] } {
  const replace: Route[] = [];
  const remove: Route[] = [];
  for (const [dst, via] of desired) if (current.get(dst) !== via) replace.push({ dst, via });
  for (const [dst, via] of current) if (!desired.has(dst)) remove.push({ dst, via });
  return { replace, remove };
}

/** Reads and changes our routes through `ip`. */
export class RouteTable {
  constructor(private readonly run: Runner, readonly protocol = DEFAULT_ROUTE_PROTOCOL) {}

  /** Our routes as the kernel has them. */
  async list(): Promise<Map<string, string>> {
    return parseRoutes(await mustRun(this.run, "ip", ["-j", "-4", "route", "show", "proto", String(this.protocol)]));
  }

  /** Makes our routes exactly `desired`; returns what changed. */
  async sync(desired: Map<string, string>): Promise<{ replace: Route[]; remove: Route[] }> {
    const diff = diffRoutes(await this.list(), desired);
    // One unreachable node must not keep the others' routes from being programmed.
    const errors: string[] = [];
    const attempt = (p: Promise<unknown>) => p.catch((err: Error) => void errors.push(err.message));
    for (const r of diff.replace) await attempt(mustRun(this.run, "ip", ["route", "replace", r.dst, "via", r.via, "proto", String(this.protocol)]));
    for (const r of diff.remove) await attempt(this.delete(r.dst));
    if (errors.length) throw new Error(errors.join("; "));
    return diff;
  }

  /** Removes every route of ours (cleanup). */
  async flush(): Promise<number> {
    const all = await this.list();
    for (const dst of all.keys()) await this.delete(dst);
    return all.size;
  }

  private async delete(dst: string): Promise<void> {
    const r = await this.run("ip", ["route", "del", dst, "proto", String(this.protocol)]);
    // Already gone (someone else removed it) is what we wanted.
    if (r.code !== 0 && !/No such process|not found/i.test(r.stderr)) throw new Error(`ip route del ${dst}: ${r.stderr.trim()}`);
  }
}
