/**
 * Builds `iptables-restore --noflush` input from two renderings. Declaring a chain (`:NAME - [0:0]`)
 * flushes it, so only chains whose rules changed are declared and rewritten; chains that
 * disappeared are declared (emptied) and deleted with `-X`. Chains not mentioned keep their
 * rules, which is what keeps a 1,000-Service sync small when one Service changes (Kubernetes
 * calls this minimizing iptables-restore).
 */
import { STATE } from "./names.js";
import type { Ruleset, TableRules } from "./rules.js";

const TABLES = ["filter", "nat"] as const;

/** sha256 of the whole rendering: what the STATE chain records and what "unchanged" means. */
export function rulesetHash(r: Ruleset): string {
  return r.digest;
}

/** The comment rule kept in the STATE chain, recording which rendering is applied. */
export function stateRule(hash: string): string {
  return `-A ${STATE} -m comment --comment "kates-ruleset-sha256=${hash}"`;
}

/** The hash recorded in iptables-save output of the nat table, if any. */
export function appliedHashIn(natSave: string): string | undefined {
  return /kates-ruleset-sha256=([0-9a-f]{64})/.exec(natSave)?.[1];
}

const same = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

/** Count of rule lines of a rendering (for logs and the "rules" metric). */
export function ruleCount(r: Ruleset): number {
  let n = 0;
  for (const t of TABLES) for (const rules of r[t].values()) n += rules.length;
  return n;
}

/**
 * Restore input turning `prev` (what is applied; undefined = unknown, rewrite everything) into
 * `next`. `extraChains` are chains known to exist in the kernel but in neither rendering
 * (left over from an earlier run): they are deleted.
 */
export function restoreInput(next: Ruleset, prev: Ruleset | undefined, hash: string, extraChains: { nat: Set<string>; filter: Set<string> } = { nat: new Set(), filter: new Set() }): { text: string; chainsWritten: number; chainsDeleted: number } {
  let text = "";
  let chainsWritten = 0;
  let chainsDeleted = 0;
  for (const t of TABLES) {
    const want: TableRules = next[t];
    const had: TableRules | undefined = prev?.[t];
    const declare: string[] = [];
    const rules: string[] = [];
    const del: string[] = [];
    for (const [chain, r] of want) {
      if (same(had?.get(chain), r)) continue;
      declare.push(`:${chain} - [0:0]`);
      rules.push(...r);
      chainsWritten++;
    }
    const gone = new Set<string>([...(had?.keys() ?? []), ...extraChains[t]]);
    for (const chain of gone) {
      if (want.has(chain) || chain === STATE) continue;
      declare.push(`:${chain} - [0:0]`);
      del.push(`-X ${chain}`);
      chainsDeleted++;
    }
    if (t === "nat") {
      declare.push(`:${STATE} - [0:0]`);
      rules.push(stateRule(hash));
    }
    if (!declare.length) continue;
    text += `*${t}\n${declare.join("\n")}\n${rules.length ? `${rules.join("\n")}\n` : ""}${del.length ? `${del.join("\n")}\n` : ""}COMMIT\n`;
  }
  return { text, chainsWritten, chainsDeleted };
}
