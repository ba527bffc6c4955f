import { describe, expect, it } from "vitest";
import type { ServicePortInfo } from "../types.js";
import { extChain, fwChain, hash16, sepName, svcChain, svlChain } from "./names.js";
import { renderRules, RuleRenderer, rulesetStats, type RenderOptions } from "./rules.js";

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
    for (const n of [svcChain(a), extChain(a), fwChain(a), sepName(a, a.endpoints[0]!)]) expect(n.length).toBeLessThanOrEqual(28);
    expect(sepName(a, a.endpoints[0]!)).not.toBe(sepName(a, a.endpoints[1]!));
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
    // Hairpin marks for each endpoint, then one DNAT per endpoint.
    expect(rules.slice(1, 4)).toEqual(sp.endpoints.map((e) => `-A ${svc} -s ${e.ip}/32 -m comment --comment "default/web:http hairpin ${e.ip}" -j KATES-MARK-MASQ`));
    const dnats = rules.slice(4);
    expect(dnats.map((r) => /--probability (\S+)/.exec(r)?.[1])).toEqual(["0.3333333333", "0.5000000000", undefined]);
    expect(dnats.map((r) => r.split(" -j ")[1])).toEqual(sp.endpoints.map((e) => `DNAT --to-destination ${e.ip}:8080`));
    expect(dnats[2]).toBe(`-A ${svc} -p tcp -m comment --comment "default/web:http -> 10.244.2.4:8080" -m tcp -j DNAT --to-destination 10.244.2.4:8080`);
    expect([...t.keys()].some((c) => c.startsWith("KATES-SEP-"))).toBe(false);
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

  it("with externalTrafficPolicy Local, sends outside traffic to this node's endpoints only, unmasqueraded", () => {
    const eps = [{ ip: "10.244.1.2", port: 8080, nodeName: "n1" }, { ip: "10.244.1.3", port: 8080, nodeName: "n1" }, { ip: "10.244.2.4", port: 8080, nodeName: "n2" }];
    const sp = port({ nodePort: 30080, externalIPs: ["172.30.0.5"], externalPolicyLocal: true, endpoints: eps });
    const r = renderRules([sp], { ...OPTS, nodeName: "n1" });
    const ext = r.nat.get(extChain(sp))!;
    // Pods and local sources first, like ClusterIP traffic; only local ones are masqueraded.
    expect(ext.slice(0, 3).map((x) => x.split(" -m comment")[0])).toEqual([`-A ${extChain(sp)} -s 10.244.0.0/16`, `-A ${extChain(sp)} -m addrtype --src-type LOCAL`, `-A ${extChain(sp)} -m addrtype --src-type LOCAL`]);
    expect(ext.slice(0, 3).map((x) => x.split(" -j ")[1])).toEqual([svcChain(sp), "KATES-MARK-MASQ", svcChain(sp)]);
    const dnats = ext.filter((x) => x.includes("DNAT"));
    expect(dnats.map((x) => x.split("--to-destination ")[1])).toEqual(["10.244.1.2:8080", "10.244.1.3:8080"]);
    expect(dnats[0]).toContain("--probability 0.5000000000");
    expect(ext.slice(3).filter((x) => x.endsWith("-j KATES-MARK-MASQ")).every((x) => x.includes("hairpin"))).toBe(true);
    // The ClusterIP still balances over every endpoint.
    expect(r.nat.get(svcChain(sp))!.filter((x) => x.includes("DNAT"))).toHaveLength(3);
    expect(r.filter.get("KATES-EXTERNAL-SERVICES")).toEqual([]);
  });

  it("with externalTrafficPolicy Local and no local endpoint, DNATs only inside traffic and drops the rest in filter", () => {
    const sp = port({ nodePort: 30080, loadBalancerIPs: ["192.168.50.10"], externalPolicyLocal: true, endpoints: [{ ip: "10.244.2.4", port: 8080, nodeName: "n2" }] });
    const r = renderRules([sp], { ...OPTS, nodeName: "n1" });
    expect(r.nat.get(extChain(sp))!.map((x) => x.split(" -j ")[1])).toEqual([svcChain(sp), "KATES-MARK-MASQ", svcChain(sp)]);
    const drops = r.filter.get("KATES-EXTERNAL-SERVICES")!;
    expect(drops).toEqual([
      `-A KATES-EXTERNAL-SERVICES -d 192.168.50.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http has no local endpoints" -j DROP`,
      `-A KATES-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -m comment --comment "default/web:http has no local endpoints" -j DROP`,
    ]);
    // Endpoints without a nodeName are never local; no endpoints at all still REJECTs.
    const unnamed = port({ nodePort: 30080, externalPolicyLocal: true, endpoints: [{ ip: "10.244.1.2", port: 8080 }] });
    expect(renderRules([unnamed], { ...OPTS }).filter.get("KATES-EXTERNAL-SERVICES")).toHaveLength(1);
    const none = renderRules([port({ nodePort: 30080, externalPolicyLocal: true, endpoints: [] })], { ...OPTS, nodeName: "n1" });
    expect(none.filter.get("KATES-EXTERNAL-SERVICES")![0]).toMatch(/has no endpoints" -j REJECT/);
    // Without a cluster CIDR only node-local sources are treated as inside.
    expect(renderRules([sp], { clusterCIDR: "", masqueradeAll: false, nodeName: "n1" }).nat.get(extChain(sp))).toHaveLength(2);
  });

  it("with internalTrafficPolicy Local, sends the ClusterIP to this node's endpoints only", () => {
    const eps = [{ ip: "10.244.1.2", port: 8080, nodeName: "n1" }, { ip: "10.244.1.3", port: 8080, nodeName: "n2" }, { ip: "10.244.2.4", port: 8080, nodeName: "n1" }];
    const sp = port({ internalPolicyLocal: true, endpoints: eps });
    const r = renderRules([sp], { ...OPTS, nodeName: "n1" });
    expect(r.nat.get("KATES-SERVICES")![0]).toBe(`-A KATES-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http cluster IP" -j ${svlChain(sp)}`);
    const svl = r.nat.get(svlChain(sp))!;
    expect(svl[0]).toMatch(/^-A KATES-SVL-\S+ ! -s 10\.244\.0\.0\/16 -d 10\.96\.0\.20\/32 .* -j KATES-MARK-MASQ$/);
    expect(svl.filter((x) => x.includes("DNAT")).map((x) => x.split("--to-destination ")[1])).toEqual(["10.244.1.2:8080", "10.244.2.4:8080"]);
    // A ClusterIP-only Service needs no all-endpoints chain.
    expect(r.nat.has(svcChain(sp))).toBe(false);
    expect(r.filter.get("KATES-SERVICES")).toEqual([]);
    // Cluster (the default) is unchanged: every endpoint, no SVL chain.
    const cluster = renderRules([port({ endpoints: eps })], { ...OPTS, nodeName: "n1" });
    expect([...cluster.nat.keys()].some((c) => c.startsWith("KATES-SVL-"))).toBe(false);
    expect(cluster.nat.get(svcChain(sp))!.filter((x) => x.includes("DNAT"))).toHaveLength(3);
  });

  it("with internalTrafficPolicy Local and no local endpoint, DROPs the ClusterIP (not REJECT) and keeps external paths", () => {
    const sp = port({ internalPolicyLocal: true, nodePort: 30080, endpoints: [{ ip: "10.244.2.4", port: 8080, nodeName: "n2" }] });
    const r = renderRules([sp], { ...OPTS, nodeName: "n1" });
    expect(r.filter.get("KATES-SERVICES")).toEqual([`-A KATES-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http has no local endpoints" -j DROP`]);
    expect(r.nat.get("KATES-SERVICES")!.some((x) => x.includes("cluster IP"))).toBe(false);
    expect(r.nat.has(svlChain(sp))).toBe(false);
    // The NodePort (externalTrafficPolicy Cluster) still reaches every endpoint.
    expect(r.nat.get(extChain(sp))!.map((x) => x.split(" -j ")[1])).toEqual(["KATES-MARK-MASQ", svcChain(sp)]);
    expect(r.nat.get(svcChain(sp))!.filter((x) => x.includes("DNAT"))).toHaveLength(1);
    expect(r.filter.get("KATES-EXTERNAL-SERVICES")).toEqual([]);
    // No endpoints anywhere is still "no endpoints": REJECT.
    const none = renderRules([port({ internalPolicyLocal: true, endpoints: [] })], { ...OPTS, nodeName: "n1" });
    expect(none.filter.get("KATES-SERVICES")![0]).toMatch(/has no endpoints" -j REJECT/);
  });

  it("with both policies Local, pods reaching the NodePort still get every endpoint through KATES-SVC", () => {
    const eps = [{ ip: "10.244.1.2", port: 8080, nodeName: "n1" }, { ip: "10.244.2.4", port: 8080, nodeName: "n2" }];
    const sp = port({ internalPolicyLocal: true, externalPolicyLocal: true, nodePort: 30080, healthCheckNodePort: 31999, endpoints: eps });
    const r = renderRules([sp], { ...OPTS, nodeName: "n1" });
    expect(r.nat.get(extChain(sp))![0]).toMatch(new RegExp(`-s 10\\.244\\.0\\.0/16 .* -j ${svcChain(sp)}$`));
    expect(r.nat.get(svcChain(sp))!.filter((x) => x.includes("DNAT"))).toHaveLength(2);
    expect(r.nat.get(svlChain(sp))!.filter((x) => x.includes("DNAT"))).toHaveLength(1);
    // The masquerade-from-outside rule matches the ClusterIP, so it belongs to the chain the ClusterIP enters.
    expect(r.nat.get(svcChain(sp))!.some((x) => x.includes("-d 10.96.0.20/32"))).toBe(false);
    // Nothing of ours guards the health check port: a load balancer must always reach it.
    const all = [...r.filter.values(), ...r.nat.values()].flat();
    expect(all.some((x) => x.includes("31999"))).toBe(false);
  });

  it("masquerades what KATES-MARK-MASQ marked, and only that", () => {
    const t = nat([]);
    expect(t.get("KATES-MARK-MASQ")).toEqual(["-A KATES-MARK-MASQ -j MARK --or-mark 0x4000"]);
    expect(t.get("KATES-POSTROUTING")![0]).toBe("-A KATES-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
    expect(t.get("KATES-POSTROUTING")!.at(-1)).toMatch(/-j MASQUERADE$/);
    expect(nat([], { ...OPTS, masqueradeFullyRandom: true }).get("KATES-POSTROUTING")!.at(-1)).toMatch(/-j MASQUERADE --random-fully$/);
  });

  it("masquerades all ClusterIP traffic with --masquerade-all, none with an empty cluster CIDR", () => {
    const sp = port();
    expect(nat([sp], { clusterCIDR: "10.244.0.0/16", masqueradeAll: true }).get(svcChain(sp))![0]).not.toContain("! -s");
    expect(nat([sp], { clusterCIDR: "10.244.0.0/16", masqueradeAll: true }).get(svcChain(sp))![0]).toMatch(/-j KATES-MARK-MASQ$/);
    expect(nat([sp], { clusterCIDR: "", masqueradeAll: false }).get(svcChain(sp))!.some((r) => r.includes("cluster IP") && r.includes("KATES-MARK-MASQ"))).toBe(false);
  });

  it("pins clients with -m recent for ClientIP affinity, checked before the random split", () => {
    const sp = port({ affinitySeconds: 600 });
    const rules = nat([sp]).get(svcChain(sp))!;
    const names = sp.endpoints.map((e) => sepName(sp, e));
    const checks = rules.slice(4, 7);
    expect(checks.map((r) => /--name (\S+)/.exec(r)?.[1])).toEqual(names);
    expect(checks.every((r) => r.includes("--rsource --rcheck --seconds 600 --reap -m tcp -j DNAT"))).toBe(true);
    const picks = rules.slice(7);
    expect(picks).toHaveLength(3);
    // --set comes after the statistic match, so only the chosen endpoint is recorded.
    expect(picks[0]).toMatch(new RegExp(`--probability 0\\.3333333333 -m recent --name ${names[0]} --mask 255\\.255\\.255\\.255 --rsource --set -m tcp -j DNAT --to-destination 10\\.244\\.1\\.2:8080$`));
    expect(picks[2]).toContain(`-m recent --name ${names[2]} --mask 255.255.255.255 --rsource --set`);
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

describe("RuleRenderer", () => {
  it("renders the same rules and digest as a fresh rendering, reusing unchanged Services", () => {
    const r = new RuleRenderer(OPTS);
    const a = port();
    const b = port({ key: "default/b:", clusterIP: "10.96.0.30", nodePort: 30090 });
    const first = r.render([a, b]);
    expect(first).toEqual(renderRules([a, b], OPTS));
    const b2 = port({ key: "default/b:", clusterIP: "10.96.0.30", nodePort: 30090, endpoints: [{ ip: "10.244.9.9", port: 80 }] });
    const second = r.render([a, b2]);
    expect(second).toEqual(renderRules([a, b2], OPTS));
    expect(second.digest).not.toBe(first.digest);
    expect(second.nat.get(svcChain(a))).toEqual(first.nat.get(svcChain(a)));
    expect(r.render([a, b]).digest).toBe(first.digest);
    expect(r.render([{ ...a }, b]).digest).toBe(first.digest); // equal content, new object
  });
});
