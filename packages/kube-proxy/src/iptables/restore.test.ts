import { describe, expect, it } from "vitest";
import type { ServicePortInfo } from "../types.js";
import { chainsIn } from "./iptables.js";
import { svcChain } from "./names.js";
import { appliedHashIn, restoreInput, ruleCount, rulesetHash, stateRule } from "./restore.js";
import { renderRules } from "./rules.js";

const OPTS = { clusterCIDR: "10.244.0.0/16", masqueradeAll: false };
const sp = (name: string, ips: string[]): ServicePortInfo => ({
  key: `default/${name}:`, namespace: "default", name, portName: "", protocol: "tcp", clusterIP: `10.96.0.${name.length + 10}`, port: 80,
  loadBalancerIPs: [], loadBalancerSourceRanges: [], externalIPs: [], endpoints: ips.map((ip) => ({ ip, port: 80 })),
});

const declared = (text: string) => [...text.matchAll(/^:(\S+)/gm)].map((m) => m[1]);

describe("restoreInput", () => {
  it("writes everything (and deletes leftovers) when nothing is known to be applied", () => {
    const r = renderRules([sp("a", ["10.244.1.2"])], OPTS);
    const { text, chainsDeleted } = restoreInput(r, undefined, rulesetHash(r), { nat: new Set(["KATES-SVC-OLD"]), filter: new Set() });
    expect(declared(text).sort()).toEqual([...r.filter.keys(), ...r.nat.keys(), "KATES-SVC-OLD", "KATES-STATE"].sort());
    expect(text).toContain("-X KATES-SVC-OLD\n");
    expect(chainsDeleted).toBe(1);
    expect(text.split("\n").filter((l) => l.startsWith("-A ")).length).toBe(ruleCount(r) + 1);
    expect(text.match(/^COMMIT$/gm)).toHaveLength(2);
  });

  it("rewrites only the chains a change touched, and deletes the chains of a removed Service", () => {
    const a = sp("a", ["10.244.1.2", "10.244.1.3"]);
    const b = sp("bb", ["10.244.1.4"]);
    const c = sp("ccc", ["10.244.1.5"]);
    const prev = renderRules([a, b, c], OPTS);
    const next = renderRules([sp("a", ["10.244.1.2"]), b], OPTS);
    const { text } = restoreInput(next, prev, rulesetHash(next));
    expect(declared(text).sort()).toEqual(["KATES-SERVICES", svcChain(a), svcChain(c), "KATES-STATE"].sort());
    expect(text).toContain(`-X ${svcChain(c)}\n`);
    expect(declared(text)).not.toContain(svcChain(b));
    expect(text).not.toContain(`-A ${svcChain(b)}`);
    expect(text).not.toContain("*filter");
  });

  it("writes only the state chain when the rendering is unchanged", () => {
    const r = renderRules([sp("a", ["10.244.1.2"])], OPTS);
    const { text, chainsWritten } = restoreInput(r, r, "h");
    expect(chainsWritten).toBe(0);
    expect(declared(text)).toEqual(["KATES-STATE"]);
  });
});

describe("ruleset hash", () => {
  it("changes with any rule and is found again in iptables-save output", () => {
    const h1 = rulesetHash(renderRules([sp("a", ["10.244.1.2"])], OPTS));
    const h2 = rulesetHash(renderRules([sp("a", ["10.244.1.3"])], OPTS));
    expect(h1).not.toBe(h2);
    expect(h1).toBe(rulesetHash(renderRules([sp("a", ["10.244.1.2"])], OPTS)));
    const save = `*nat\n:KATES-STATE - [0:0]\n${stateRule(h1).replace("-A KATES-STATE ", "-A KATES-STATE ")}\nCOMMIT\n`;
    expect(appliedHashIn(save)).toBe(h1);
    expect(appliedHashIn("*nat\nCOMMIT\n")).toBeUndefined();
  });
});

describe("chains of the pod network", () => {
  it("are never counted or collected as kube-proxy's own", () => {
    const save = [":KATES-SERVICES - [0:0]", ":KATES-POD-MASQ - [0:0]", ":KATES-POD-FORWARD - [0:0]", ":KATES-SVC-ABC - [0:0]"].join("\n");
    expect([...chainsIn(save)].sort()).toEqual(["KATES-SERVICES", "KATES-SVC-ABC"]);
  });
});
