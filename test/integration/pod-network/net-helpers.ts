/**
 * Helpers for the pod network tests: random pod CIDRs that concurrent suites are unlikely to
 * share, CIDR membership, and label-based removal of everything a shim id made (containers
 * and its pod network), so the host is left as it was.
 */
import { execFileSync } from "node:child_process";

/** A random 10.244.X.0/24 with X in 200-250 (other than `not`), and its gateway. */
export function randomPodCIDR(not?: number): { cidr: string; gateway: string; octet: number } {
  let octet: number;
  do octet = 200 + Math.floor(Math.random() * 51);
  while (octet === not);
  return { cidr: `10.244.${octet}.0/24`, gateway: `10.244.${octet}.1`, octet };
}

const toInt = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);

/** True when IPv4 `ip` lies in `cidr`. */
export function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base!) / size);
}

/** Force-removes the containers and networks labelled with shim id `id`. */
export function removeShimObjects(id: string): void {
  const run = (args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
  try {
    const ids = run(["ps", "-aq", "--filter", `label=io.kates.shim=${id}`]);
    if (ids.length) execFileSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
    const nets = run(["network", "ls", "-q", "--filter", `label=io.kates.shim=${id}`]);
    if (nets.length) execFileSync("docker", ["network", "rm", ...nets], { stdio: "ignore" });
  } catch {
    // Docker gone: nothing left to remove.
  }
}
