import { describe, expect, it } from "vitest";
import type { Runner } from "./exec.js";
import { FORWARD_CHAIN, MASQ_CHAIN, PodNetworkRules, appendLines, canonicalCIDR, chainRules, restoreInput } from "./iptables.js";

/** A tiny iptables: chains as lists of -A lines, enough for -S, -C, -A, -I, -D, -N, -F, -X and restore. */
function fakeIptables(initial: Record<string, string[]>) {
  const chains = new Map(Object.entries(initial).map(([k, v]) => [k, [...v]]));
  const calls: string[] = [];
  const ok = { code: 0, stdout: "", stderr: "" };
  const fail = { code: 1, stdout: "", stderr: "no chain/target/match by that name" };
  const run: Runner = async (cmd, args, input) => {
    calls.push(`${cmd} ${args.join(" ")}`);
    if (cmd === "iptables-restore") {
      let table = "";
      for (const line of (input ?? "").split("\n")) {
        if (line.startsWith("*")) table = line.slice(1);
        else if (line.startsWith(":")) chains.set(`${table}/${line.slice(1).split(" ")[0]}`, []);
        else if (line.startsWith("-A ")) chains.get(`${table}/${line.split(" ")[1]}`)!.push(line);
      }
      return ok;
    }
    const a = args.slice(2); // drop -w 5
    const key = `${a[1]}/${a[3]}`;
    const rule = (rest: string[]) => `-A ${a[3]} ${rest.join(" ")}`;
    const list = chains.get(key);
    switch (a[2]) {
      case "-S": return list ? { code: 0, stdout: [`-N ${a[3]}`, ...list].join("\n") + "\n", stderr: "" } : fail;
      case "-C": return list?.includes(rule(a.slice(4))) ? ok : fail;
      case "-A": list!.push(rule(a.slice(4))); return ok;
      case "-I": list!.splice(Number(a[4]) - 1, 0, rule(a.slice(5))); return ok;
      case "-N": chains.set(key, []); return ok;
      case "-F": list!.splice(0); return ok;
      case "-X": chains.delete(key); return ok;
      case "-D": {
        const i = list?.indexOf(rule(a.slice(4))) ?? -1;
        if (i < 0) return fail;
        list!.splice(i, 1);
        return ok;
      }
    }
    return fail;
  };
  return { chains, calls, run };
}

describe("pod network iptables rules", () => {
  it("renders canonical CIDRs as iptables prints them", () => {
    expect(canonicalCIDR("10.244.3.7/16")).toBe("10.244.0.0/16");
    expect(() => canonicalCIDR("10.244.0.0")).toThrow();
    expect(chainRules("10.244.0.0/16")).toEqual({
      nat: [`-A ${MASQ_CHAIN} -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE`],
      filter: [`-A ${FORWARD_CHAIN} -s 10.244.0.0/16 -j ACCEPT`, `-A ${FORWARD_CHAIN} -d 10.244.0.0/16 -j ACCEPT`],
    });
    expect(restoreInput("nat", MASQ_CHAIN, ["-A X"])).toBe(`*nat\n:${MASQ_CHAIN} - [0:0]\n-A X\nCOMMIT\n`);
    expect(appendLines(`-N ${MASQ_CHAIN}\n-A ${MASQ_CHAIN} -j RETURN\n`)).toEqual([`-A ${MASQ_CHAIN} -j RETURN`]);
  });

  it("creates the chains, jumps first from DOCKER-USER, and is idempotent", async () => {
    const ipt = fakeIptables({ "nat/POSTROUTING": ["-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"], "filter/DOCKER-USER": ["-A DOCKER-USER -j RETURN"] });
    const rules = new PodNetworkRules(ipt.run);
    expect(await rules.ensure("10.244.0.0/16")).toBe(true);
    expect(ipt.chains.get(`nat/${MASQ_CHAIN}`)).toEqual(chainRules("10.244.0.0/16").nat);
    expect(ipt.chains.get(`filter/${FORWARD_CHAIN}`)).toEqual(chainRules("10.244.0.0/16").filter);
    expect(ipt.chains.get("nat/POSTROUTING")).toContain(`-A POSTROUTING -j ${MASQ_CHAIN}`);
    expect(ipt.chains.get("filter/DOCKER-USER")).toEqual([`-A DOCKER-USER -j ${FORWARD_CHAIN}`, "-A DOCKER-USER -j RETURN"]);
    const before = ipt.calls.length;
    expect(await rules.ensure("10.244.0.0/16")).toBe(false);
    expect(ipt.calls.slice(before).every((c) => / -S | -C /.test(c))).toBe(true);
    expect(ipt.chains.get("nat/POSTROUTING")!.filter((r) => r.includes(MASQ_CHAIN))).toHaveLength(1);
  });

  it("creates DOCKER-USER when Docker has not yet, moves our jump back to the top, rewrites a changed chain", async () => {
    const ipt = fakeIptables({ "nat/POSTROUTING": [] });
    const rules = new PodNetworkRules(ipt.run);
    await rules.ensure("10.244.0.0/16");
    expect(ipt.chains.get("filter/DOCKER-USER")).toEqual([`-A DOCKER-USER -j ${FORWARD_CHAIN}`]);
    ipt.chains.get("filter/DOCKER-USER")!.unshift("-A DOCKER-USER -j DROP");
    await rules.ensure("10.245.0.0/16");
    expect(ipt.chains.get("filter/DOCKER-USER")).toEqual([`-A DOCKER-USER -j ${FORWARD_CHAIN}`, "-A DOCKER-USER -j DROP"]);
    expect(ipt.chains.get(`nat/${MASQ_CHAIN}`)).toEqual(chainRules("10.245.0.0/16").nat);
  });

  it("removes exactly its own jumps and chains", async () => {
    const ipt = fakeIptables({ "nat/POSTROUTING": ["-A POSTROUTING -j OTHER"], "filter/DOCKER-USER": ["-A DOCKER-USER -j RETURN"] });
    const rules = new PodNetworkRules(ipt.run);
    await rules.ensure("10.244.0.0/16");
    await rules.remove();
    expect(ipt.chains.has(`nat/${MASQ_CHAIN}`)).toBe(false);
    expect(ipt.chains.has(`filter/${FORWARD_CHAIN}`)).toBe(false);
    expect(ipt.chains.get("nat/POSTROUTING")).toEqual(["-A POSTROUTING -j OTHER"]);
    expect(ipt.chains.get("filter/DOCKER-USER")).toEqual(["-A DOCKER-USER -j RETURN"]);
    await rules.remove(); // nothing left: still fine
  });
});
