/** The kubelet's default InternalIP: a real address of the machine, never loopback. */
import { networkInterfaces } from "node:os";

type Interfaces = ReturnType<typeof networkInterfaces>;

/** Interfaces that carry no node address: Docker's and our pod bridges, veths, tunnels. */
const VIRTUAL = /^(docker\d*|br-|kates|veth|virbr|cni|flannel|tun|tap)/;

/**
 * The first non-internal IPv4 address, preferring `preferredIface` (the default route's
 * device) and skipping bridges made for containers; throws when the machine has none
 * (then --node-ip must be given: a node reachable only on 127.0.0.1 cannot route pods).
 */
export function pickNodeIP(ifaces: Interfaces, preferredIface?: string): string {
  const v4 = (name: string) => (ifaces[name] ?? []).filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address);
  if (preferredIface && v4(preferredIface).length) return v4(preferredIface)[0]!;
  for (const name of Object.keys(ifaces)) if (!VIRTUAL.test(name) && v4(name).length) return v4(name)[0]!;
  for (const name of Object.keys(ifaces)) if (v4(name).length) return v4(name)[0]!;
  throw new Error("no non-loopback IPv4 address on this machine; pass --node-ip");
}

/** The device of the IPv4 default route, from /proc/net/route (no command needed). */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  for (const line of procNetRoute.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 2 && f[1] === "00000000") return f[0];
  }
  return undefined;
}
