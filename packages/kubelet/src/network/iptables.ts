/**
 * The pod network's iptables rules, in chains of our own so nothing else is touched:
 * - nat KATES-POD-MASQ (jumped from POSTROUTING): pod traffic leaving the cluster CIDR is
 *   masqueraded (Docker's masquerade is off on pod bridges; traffic between pods keeps its
 *   source address, as host-gw requires).
 * - filter KATES-POD-FORWARD (jumped first from DOCKER-USER): forwarding to and from the
 *   cluster CIDR is accepted; Docker sets the FORWARD policy to DROP and isolates bridges.
 * The chains' contents depend only on the cluster CIDR, so several kubelets on one machine
 * (tests) write the same rules. Chain bodies are replaced atomically with iptables-restore.
 */
import { mustRun, type Runner } from "./exec.js";

export const MASQ_CHAIN = "KATES-POD-MASQ";
export const FORWARD_CHAIN = "KATES-POD-FORWARD";
const DOCKER_USER = "DOCKER-USER";

/** The canonical form of an IPv4 CIDR (host bits cleared), as iptables prints it; throws when invalid. */
export function canonicalCIDR(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const bits = Number(m?.[5]);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || bits > 32) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(cidr)}`);
  const n = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const base = n - (n % size);
  return `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join(".")}/${bits}`;
}

/** The rules of our chains for `clusterCIDR`, as `iptables -S CHAIN` prints them. */
export function chainRules(clusterCIDR: string): { nat: string[]; filter: string[] } {
  const c = canonicalCIDR(clusterCIDR);
  return {
    nat: [`-A ${MASQ_CHAIN} -s ${c} ! -d ${c} -j MASQUERADE`],
    filter: [`-A ${FORWARD_CHAIN} -s ${c} -j ACCEPT`, `-A ${FORWARD_CHAIN} -d ${c} -j ACCEPT`],
  };
}

/** iptables-restore --noflush input that (re)creates one chain with exactly `rules`. */
export function restoreInput(table: string, chain: string, rules: string[]): string {
  return [`*${table}`, `:${chain} - [0:0]`, ...rules, "COMMIT", ""].join("\n");
}

/** The -A lines of `iptables -S CHAIN` output. */
export function appendLines(saved: string): string[] {
  return saved.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("-A "));
}

/** Programs and removes the pod network's rules. */
export class PodNetworkRules {
  constructor(private readonly run: Runner) {}

  private ipt(args: string[]) {
    return this.run("iptables", ["-w", "5", ...args]);
  }

  /** Makes our chains and their jumps exactly right; returns true when something had to change. */
  async ensure(clusterCIDR: string): Promise<boolean> {
    const want = chainRules(clusterCIDR);
    let changed = false;
    for (const [table, chain, rules] of [["nat", MASQ_CHAIN, want.nat], ["filter", FORWARD_CHAIN, want.filter]] as const) {
      const cur = await this.ipt(["-t", table, "-S", chain]);
      if (cur.code === 0 && JSON.stringify(appendLines(cur.stdout)) === JSON.stringify(rules)) continue;
      await this.restore(restoreInput(table, chain, rules));
      changed = true;
    }
    if ((await this.ipt(["-t", "nat", "-C", "POSTROUTING", "-j", MASQ_CHAIN])).code !== 0) {
      await mustRun(this.run, "iptables", ["-w", "5", "-t", "nat", "-A", "POSTROUTING", "-j", MASQ_CHAIN]);
      changed = true;
    }
    // Docker keeps an existing DOCKER-USER when it starts; before Docker, we create it.
    const user = await this.ipt(["-t", "filter", "-S", DOCKER_USER]);
    if (user.code !== 0) await mustRun(this.run, "iptables", ["-w", "5", "-t", "filter", "-N", DOCKER_USER]);
    const first = appendLines(user.code === 0 ? user.stdout : "")[0];
    if (first !== `-A ${DOCKER_USER} -j ${FORWARD_CHAIN}`) {
      await this.deleteAll("filter", DOCKER_USER, ["-j", FORWARD_CHAIN]);
      await mustRun(this.run, "iptables", ["-w", "5", "-t", "filter", "-I", DOCKER_USER, "1", "-j", FORWARD_CHAIN]);
      changed = true;
    }
    return changed;
  }

  /** Removes our jumps and chains (cleanup); rules of others stay. */
  async remove(): Promise<void> {
    await this.deleteAll("nat", "POSTROUTING", ["-j", MASQ_CHAIN]);
    await this.deleteAll("filter", DOCKER_USER, ["-j", FORWARD_CHAIN]);
    for (const [table, chain] of [["nat", MASQ_CHAIN], ["filter", FORWARD_CHAIN]] as const) {
      if ((await this.ipt(["-t", table, "-S", chain])).code !== 0) continue;
      await mustRun(this.run, "iptables", ["-w", "5", "-t", table, "-F", chain]);
      await mustRun(this.run, "iptables", ["-w", "5", "-t", table, "-X", chain]);
    }
  }

  private async deleteAll(table: string, chain: string, spec: string[]): Promise<void> {
    for (let i = 0; i < 20; i++) if ((await this.ipt(["-t", table, "-D", chain, ...spec])).code !== 0) return;
  }

  private async restore(input: string): Promise<void> {
    const r = await this.runRestore(input);
    if (r.code !== 0) throw new Error(`iptables-restore: exit ${r.code}: ${r.stderr.trim()}`);
  }

  private runRestore(input: string) {
    return this.run("iptables-restore", ["-w", "5", "--noflush"], input);
  }
}
