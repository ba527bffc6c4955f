/**
 * iptables mode: renders the full ruleset on every sync, and writes only what changed with one
 * `iptables-restore --noflush`. What is applied is recorded as a hash in the KATES-STATE chain,
 * so a restarted kube-proxy whose rendering matches the kernel writes nothing (traffic never
 * sees a gap), and a periodic resync can notice rules someone else removed and put them back.
 */
import type { Logger } from "@kates/component-base";
import type { Proxier, SyncOutcome } from "../proxier.js";
import type { ServicePortInfo } from "../types.js";
import { execCommand } from "../exec.js";
import { Conntrack } from "./conntrack.js";
import { chainsIn, type Iptables } from "./iptables.js";
import { isProxyChain } from "./names.js";
import { appliedHashIn, restoreInput, ruleCount, rulesetHash } from "./restore.js";
import { RuleRenderer, type RenderOptions, type Ruleset } from "./rules.js";

const countOurRules = (save: string) => save.split("\n").filter((l) => l.startsWith("-A KATES-") && isProxyChain(l.slice(3).split(" ", 1)[0]!)).length;

export class IptablesProxier implements Proxier {
  readonly mode = "iptables";
  /** What we believe is in the kernel; undefined until the first sync has looked. */
  private applied?: Ruleset;
  private appliedHash = "";
  private appliedPorts = new Map<string, ServicePortInfo>();
  private readonly conntrack: Conntrack;
  private readonly renderer: RuleRenderer;
  private localnetRouted = false;

  constructor(
    private readonly iptables: Iptables,
    opts: RenderOptions,
    private readonly log: Logger,
    private readonly prefix: string[] = [],
  ) {
    this.conntrack = new Conntrack(prefix);
    this.renderer = new RuleRenderer(opts);
  }

  async sync(ports: ServicePortInfo[], _nodeAddresses: string[], resync: boolean): Promise<SyncOutcome> {
    const next = this.renderer.render(ports);
    const hash = rulesetHash(next);
    let outcome: SyncOutcome;
    try {
      if (!this.applied) outcome = await this.firstSync(next, hash);
      else if (resync) outcome = await this.verify(next, hash);
      else if (hash === this.appliedHash) outcome = { applied: false };
      else outcome = await this.apply(next, this.applied, hash, undefined);
    } catch (err) {
      // We no longer know what the kernel holds: look again next time.
      this.applied = undefined;
      throw err;
    }
    if (!this.localnetRouted) await this.routeLocalnet();
    const prevPorts = this.appliedPorts;
    this.appliedPorts = new Map(ports.map((p) => [p.key, p]));
    if (outcome.applied) {
      const cleared = await this.conntrack.clearStale(prevPorts, ports);
      if (cleared) outcome.detail = { ...outcome.detail, conntrackDeletes: cleared };
    }
    return outcome;
  }

  /**
   * NodePorts on 127.0.0.1 (`curl localhost:30080` on a node) need the kernel to route DNATed
   * loopback-sourced packets out of the host: route_localnet=1, as Kubernetes' iptables mode sets
   * it. Only after our rules (with the KATES-FIREWALL guard) are in. Best effort: logged, not fatal.
   */
  private async routeLocalnet(): Promise<void> {
    const [cmd, ...args] = [...this.prefix, "sysctl", "-w", "net.ipv4.conf.all.route_localnet=1"];
    const r = await execCommand(cmd!, args);
    if (r.code !== 0) this.log.warn({ stderr: r.stderr.trim() }, "could not set route_localnet; NodePorts will not answer on 127.0.0.1");
    this.localnetRouted = true;
  }

  /** After a start: ensure jumps, then compare the kernel's recorded hash with ours. */
  private async firstSync(next: Ruleset, hash: string): Promise<SyncOutcome> {
    await this.iptables.ensureJumps();
    const [natSave, filterSave] = [await this.iptables.save("nat"), await this.iptables.save("filter")];
    const existing = { nat: chainsIn(natSave), filter: chainsIn(filterSave) };
    const intact = appliedHashIn(natSave) === hash && countOurRules(natSave) + countOurRules(filterSave) === ruleCount(next) + 1;
    if (intact) {
      this.log.info({ hash: hash.slice(0, 12) }, "kernel already holds the rendered ruleset; nothing applied");
      this.applied = next;
      this.appliedHash = hash;
      return { applied: false };
    }
    const extra = { nat: without(existing.nat, next.nat), filter: without(existing.filter, next.filter) };
    return this.apply(next, undefined, hash, extra);
  }

  /** Periodic resync: re-apply everything if jumps, hash or rule count drifted. */
  private async verify(next: Ruleset, hash: string): Promise<SyncOutcome> {
    const jumpsOk = await this.iptables.jumpsPresent();
    const [natSave, filterSave] = [await this.iptables.save("nat"), await this.iptables.save("filter")];
    const kernelHash = appliedHashIn(natSave);
    const intact = jumpsOk && kernelHash === this.appliedHash && countOurRules(natSave) + countOurRules(filterSave) === ruleCount(this.applied!) + 1;
    if (intact) return hash === this.appliedHash ? { applied: false } : this.apply(next, this.applied, hash, undefined);
    this.log.warn({ jumpsOk, kernelHash: kernelHash?.slice(0, 12) }, "iptables state drifted from ours, re-applying everything");
    // Always, not only when jumpsOk was false: a jump removed between that check and the saves
    // above would otherwise stay missing until the next resync (ensureJumps adds only what lacks).
    await this.iptables.ensureJumps();
    const extra = { nat: without(chainsIn(natSave), next.nat), filter: without(chainsIn(filterSave), next.filter) };
    const outcome = await this.apply(next, undefined, hash, extra);
    return { ...outcome, repaired: true };
  }

  private async apply(next: Ruleset, prev: Ruleset | undefined, hash: string, extra: { nat: Set<string>; filter: Set<string> } | undefined): Promise<SyncOutcome> {
    const { text, chainsWritten, chainsDeleted } = restoreInput(next, prev, hash, extra);
    const t0 = performance.now();
    await this.iptables.restore(text);
    const restoreMs = Math.round(performance.now() - t0);
    this.applied = next;
    this.appliedHash = hash;
    return { applied: true, detail: { chainsWritten, chainsDeleted, restoreLines: countLines(text), restoreMs, full: prev ? 0 : 1 } };
  }

  async close(): Promise<void> {
    // Rules stay: Services keep working while kube-proxy restarts; --cleanup removes them.
  }
}

function without(have: Set<string>, want: Map<string, string[]>): Set<string> {
  return new Set([...have].filter((c) => !want.has(c)));
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}
