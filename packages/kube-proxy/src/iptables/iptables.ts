/**
 * The iptables binaries: restore, save, the jump rules from built-in chains, the usability probe
 * and --cleanup. `prefix` runs every command through a wrapper (e.g. `ip netns exec NS`), a seam
 * tests and benchmarks use to program a network namespace from outside it.
 */
import { execCommand, type ExecResult } from "../exec.js";
import { CHAIN_PREFIX, isProxyChain } from "./names.js";
import { JUMPS, type Jump } from "./rules.js";

/** A failed iptables command. */
export class IptablesError extends Error {}

export class Iptables {
  constructor(private readonly prefix: string[] = []) {}

  private run(cmd: string, args: string[], input?: string): Promise<ExecResult> {
    const [head, ...rest] = [...this.prefix, cmd, ...args];
    return execCommand(head!, rest, input);
  }

  private async must(cmd: string, args: string[], input?: string): Promise<string> {
    const r = await this.run(cmd, args, input);
    if (r.code !== 0) throw new IptablesError(`${cmd} ${args.join(" ")}: exit ${r.code}: ${r.stderr.trim().slice(0, 2000)}`);
    return r.stdout;
  }

  /** Applies restore input atomically without touching chains it does not declare. */
  async restore(text: string): Promise<void> {
    await this.must("iptables-restore", ["--noflush", "--wait"], text);
  }

  /** `iptables-save -t TABLE`. */
  save(table: "nat" | "filter"): Promise<string> {
    return this.must("iptables-save", ["-t", table]);
  }

  /** Undefined if iptables mode can work here, else why not (missing binary, no permission, no nat table). */
  async probe(): Promise<string | undefined> {
    const r = await this.run("iptables-restore", ["--noflush", "--test"], "*nat\n:KATES-PROBE - [0:0]\nCOMMIT\n");
    if (r.code !== 0) return `iptables-restore --test: ${r.code === -1 ? r.stderr : `exit ${r.code}: ${r.stderr.trim()}`}`;
    const s = await this.run("iptables-save", ["-t", "nat"]);
    if (s.code !== 0) return `iptables-save: exit ${s.code}: ${s.stderr.trim()}`;
    return undefined;
  }

  private async hasJump(j: Jump): Promise<boolean> {
    return (await this.run("iptables", ["-w", "-t", j.table, "-C", j.chain, ...j.args])).code === 0;
  }

  /**
   * Makes sure our entry chains exist and the built-in chains jump to them (inserted first, so
   * Docker's and others' rules cannot swallow Service traffic). Returns how many jumps were added.
   */
  async ensureJumps(jumps: Jump[] = JUMPS): Promise<number> {
    const targets = new Set(jumps.map((j) => `${j.table} ${j.args[j.args.length - 1]}`));
    for (const t of targets) {
      const [table, chain] = t.split(" ") as [string, string];
      await this.run("iptables", ["-w", "-t", table, "-N", chain]); // "already exists" is fine
    }
    let added = 0;
    // Insert in reverse so that, within one built-in chain, our jumps end up in the listed order.
    for (const j of [...jumps].reverse()) {
      if (await this.hasJump(j)) continue;
      await this.must("iptables", ["-w", "-t", j.table, "-I", j.chain, "1", ...j.args]);
      added++;
    }
    return added;
  }

  /** Whether every jump is in place (cheap check for the periodic resync). */
  async jumpsPresent(jumps: Jump[] = JUMPS): Promise<boolean> {
    for (const j of jumps) if (!(await this.hasJump(j))) return false;
    return true;
  }

  /** Our chains currently in a table, from iptables-save. */
  async ourChains(table: "nat" | "filter"): Promise<Set<string>> {
    return chainsIn(await this.save(table));
  }

  /** Removes every jump to our chains and every KATES- chain in nat and filter. */
  async cleanup(jumps: Jump[] = JUMPS): Promise<{ jumps: number; chains: number }> {
    let removedJumps = 0;
    for (const j of jumps) {
      // A rule may have been inserted twice (by hand, or by an old version): delete until gone.
      for (let i = 0; i < 10 && (await this.hasJump(j)); i++) {
        await this.must("iptables", ["-w", "-t", j.table, "-D", j.chain, ...j.args]);
        removedJumps++;
      }
    }
    let chains = 0;
    let text = "";
    for (const table of ["nat", "filter"] as const) {
      const ours = [...(await this.ourChains(table))];
      if (!ours.length) continue;
      chains += ours.length;
      text += `*${table}\n${ours.map((c) => `:${c} - [0:0]`).join("\n")}\n${ours.map((c) => `-X ${c}`).join("\n")}\nCOMMIT\n`;
    }
    if (text) await this.restore(text);
    return { jumps: removedJumps, chains };
  }
}

/** Names of kube-proxy's KATES- chains declared in iptables-save output (not the pod network's KATES-POD-*). */
export function chainsIn(saveOutput: string): Set<string> {
  const out = new Set<string>();
  for (const line of saveOutput.split("\n")) {
    if (!line.startsWith(`:${CHAIN_PREFIX}`)) continue;
    const name = line.slice(1).split(" ", 1)[0]!;
    if (isProxyChain(name)) out.add(name);
  }
  return out;
}
