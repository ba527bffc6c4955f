import { describe, expect, it } from "vitest";
import type { ServicePortInfo } from "../types.js";
import { extChain, fwChain, hash16, sepChain, svcChain } from "./names.js";
import { renderRules, rulesetStats, type RenderOptions } from "./rules.js";

const OPTS: RenderOptions = { clusterCIDR: "10.244.0.0/16", masqueradeAll: false };

function port(over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    key: "default/web:http", namespace: "default", name: "web", portName: "http", protocol: "tcp", clusterIP: "10.96.0.20", port: 80,
    loadBalancerIPs: [], loadBalancerSourceRanges: [], externalIPs: [],
    endpoints: [{ ip: "10.244.1.2", port: 8080 }, { ip: "10.244.1.3", port: 8080 }, { ip: "10.244.2.4", port: 8080 }],
    ...over,
  };
}

const nat = (sp: ServicePortInfo[], opts = OPTS) => renderRules(sp, opts).nat;
const filter = (sp: ServicePortInfo[], opts = OPTS) => renderRules(sp, opts).filter;

describe("chain names", () => {
  it("are stable, distinct per port and protocol, and within iptables' 28 characters", () => {
    const a = port();
    expect(svcChain(a)).toBe(svcChain(port()));
    expect(svcChain(a)).not.toBe(svcChain(port({ protocol: "udp" })));
    expect(svcChain(a)).not.toBe(svcChain(port({ key: "default/web:https" })));
    expect(svcChain(a)).toMatch(/^KATES-SVC-[A-Z2-7]{16}$/);
    for (const n of [svcChain(a), extChain(a), fwChain(a), sepChain(a, a.endpoints[0]!)]) expect(n.length).toBeLessThanOrEqual(28);
    expect(hash16("x")).toHaveLength(16);
  });
});

describe("renderRules", () => {
  it("sends a ClusterIP to its service chain and balances over every endpoint with falling probabilities", () => {
    const sp = port();
    const t = nat([sp]);
    const svc = svcChain(sp);
    expect(t.get("KATES-SERVICES")![0]).toBe(`-A KATES-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http cluster IP" -j ${svc}`);
    const rules = t.get(svc)!;
    expect(rules[0]).toContain(`! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m tcp --dport 80`);
    expect(rules[0]).toMatch(/-j KATES-MARK-MASQ$/);
    const jumps = rules.slice(1);
    expect(jumps.map((r) => /--probability (\S+)/.exec(r)?.[1])).toEqual(["0.3333333333", "0.5000000000", undefined]);
    expect(jumps.map((r) => r.split(" -j ")[1])).toEqual(sp.endpoints.map((e) => sepChain(sp, e)));
    for (const ep of sp.endpoints) {
      expect(t.get(sepChain(sp, ep))).toEqual([
        `-A ${sepChain(sp, ep)} -s ${ep.ip}/32 -m comment --comment "default/web:http" -j KATES-MARK-MASQ`,
        `-A ${sepChain(sp, ep)} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${ep.ip}:8080`,
      ]);
    }
    expect(filter([sp]).get("KATES-SERVICES")).toEqual([]);
  });

  it("keeps the NodePort dispatch as the last rule of KATES-SERVICES", () => {
    const t = nat([port(), port({ key: "default/b:", clusterIP: "10.96.0.30" })]);
    const services = t.get("KATES-SERVICES")!;
    expect(services).toHaveLength(3);
    expect(services.at(-1)).toMatch(/-m addrtype --dst-type LOCAL .* -j KATES-NODEPORTS$/);
  });

  it("routes a NodePort through the external chain, which masquerades and then balances", () => {
    const sp = port({ nodePort: 30080 });
    const t = nat([sp]);
    expect(t.get("KATES-NODEPORTS")).toEqual([`-A KATES-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "default/web:http node port" -j ${extChain(sp)}`]);
    expect(t.get(extChain(sp))!.map((r) => r.split(" -j ")[1])).toEqual(["KATES-MARK-MASQ", svcChain(sp)]);
  });

  it("masquerades what KATES-MARK-MASQ marked, and only that", () => {
    const t = nat([]);
    expect(t.get("KATES-MARK-MASQ")).toEqual(["-A KATES-MARK-MASQ -j MARK --or-mark 0x4000"]);
    expect(t.get("KATES-POSTROUTING")![0]).toBe("-A KATES-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
    expect(t.get("KATES-POSTROUTING")!.at(-1)).toMatch(/-j MASQUERADE --random-fully$/);
  });

  it("masquerades all ClusterIP traffic with --masquerade-all, none with an empty cluster CIDR", () => {
    const sp = port();
    expect(nat([sp], { clusterCIDR: "10.244.0.0/16", masqueradeAll: true }).get(svcChain(sp))![0]).not.toContain("! -s");
    expect(nat([sp], { clusterCIDR: "10.244.0.0/16", masqueradeAll: true }).get(svcChain(sp))![0]).toMatch(/-j KATES-MARK-MASQ$/);
    expect(nat([sp], { clusterCIDR: "", masqueradeAll: false }).get(svcChain(sp))!.some((r) => r.includes("KATES-MARK-MASQ"))).toBe(false);
  });

  it("pins clients with -m recent for ClientIP affinity, checked before the random split", () => {
    const sp = port({ affinitySeconds: 600 });
    const t = nat([sp]);
    const rules = t.get(svcChain(sp))!;
    const seps = sp.endpoints.map((e) => sepChain(sp, e));
    expect(rules.slice(1, 4).map((r) => r.includes(`-m recent --name `) && r.includes("--rcheck --seconds 600 --reap"))).toEqual([true, true, true]);
    expect(rules.slice(1, 4).map((r) => r.split(" -j ")[1])).toEqual(seps);
    expect(rules.slice(4).every((r) => !r.includes("recent"))).toBe(true);
    expect(t.get(seps[0]!)![1]).toContain(`-m recent --name ${seps[0]} --mask 255.255.255.255 --rsource --set`);
  });

  it("answers LoadBalancer and external IPs like the ClusterIP, with source ranges enforced", () => {
    const sp = port({ nodePort: 30080, loadBalancerIPs: ["192.168.50.10"], externalIPs: ["172.30.0.5"] });
    const t = nat([sp]);
    const services = t.get("KATES-SERVICES")!;
    expect(services).toContain(`-A KATES-SERVICES -d 192.168.50.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http loadbalancer IP" -j ${fwChain(sp)}`);
    expect(services).toContain(`-A KATES-SERVICES -d 172.30.0.5/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http external IP" -j ${extChain(sp)}`);
    expect(t.get(fwChain(sp))).toEqual([`-A ${fwChain(sp)} -m comment --comment "default/web:http loadbalancer IP" -j ${extChain(sp)}`]);

    const ranged = port({ loadBalancerIPs: ["192.168.50.10"], loadBalancerSourceRanges: ["10.0.0.0/8", "192.168.0.0/16"] });
    const fw = nat([ranged]).get(fwChain(ranged))!;
    expect(fw.map((r) => /-s (\S+)/.exec(r)?.[1])).toEqual(["10.0.0.0/8", "192.168.0.0/16"]);
    expect(filter([ranged]).get("KATES-EXTERNAL-SERVICES")).toEqual([expect.stringMatching(/^-A KATES-EXTERNAL-SERVICES -d 192\.168\.50\.10\/32 -p tcp -m tcp --dport 80 .* -j DROP$/)]);
  });

  it("rejects a Service without endpoints in filter, on every address it has, and writes no nat chains for it", () => {
    const sp = port({ endpoints: [], nodePort: 30080, loadBalancerIPs: ["192.168.50.10"], protocol: "udp" });
    const f = filter([sp]);
    expect(f.get("KATES-SERVICES")).toEqual([`-A KATES-SERVICES -d 10.96.0.20/32 -p udp -m udp --dport 80 -m comment --comment "default/web:http has no endpoints" -j REJECT --reject-with icmp-port-unreachable`]);
    const ext = f.get("KATES-EXTERNAL-SERVICES")!;
    expect(ext).toHaveLength(2);
    expect(ext.some((r) => r.includes("-d 192.168.50.10/32"))).toBe(true);
    expect(ext.some((r) => r.includes("--dst-type LOCAL -p udp -m udp --dport 30080"))).toBe(true);
    const t = nat([sp]);
    expect([...t.keys()].filter((c) => c.includes("SVC") || c.includes("SEP") || c.includes("EXT"))).toEqual([]);
    expect(t.get("KATES-SERVICES")).toHaveLength(1); // only the NodePort dispatch
  });

  it("lets forwarded service traffic through a DROP policy", () => {
    expect(filter([]).get("KATES-FORWARD")).toEqual([
      "-A KATES-FORWARD -m conntrack --ctstate INVALID -j DROP",
      `-A KATES-FORWARD -m mark --mark 0x4000/0x4000 -m comment --comment "kates forwarding rules" -j ACCEPT`,
      `-A KATES-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kates forwarding conntrack rule" -j ACCEPT`,
    ]);
  });

  it("counts service ports and endpoints", () => {
    expect(rulesetStats([port(), port({ endpoints: [] })])).toEqual({ servicePorts: 2, endpoints: 3, withoutEndpoints: 1 });
  });
});
