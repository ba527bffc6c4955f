/**
 * The pure iptables renderer: ServicePortInfo[] in, the rules of every KATES- chain out. No I/O;
 * proxier-iptables.ts diffs renderings and feeds them to `iptables-restore --noflush`.
 *
 * Packet paths (nat), for a Service port with endpoints:
 *   PREROUTING/OUTPUT -> KATES-SERVICES -> (ClusterIP match) KATES-SVC-x (random choice, DNAT)
 *                                       -> (LoadBalancer IP)  KATES-FW-x -> KATES-EXT-x -> KATES-SVC-x
 *                                       -> (external IP)      KATES-EXT-x
 *                                       -> (last rule, local destination) KATES-NODEPORTS -> KATES-EXT-x
 * With internalTrafficPolicy Local, the ClusterIP goes to KATES-SVL-x instead, which balances over
 * this node's endpoints only; with none here the filter table DROPs ClusterIP traffic ("has no local
 * endpoints"; REJECT would tell the client the Service has no endpoints at all, which is untrue).
 * With externalTrafficPolicy Local, KATES-EXT-x sends pod and node-local sources to KATES-SVC-x
 * (like ClusterIP traffic) and balances everything else over this node's endpoints without
 * masquerading, so they see the client's address; with no local endpoint it DNATs nothing and the
 * filter table DROPs the packet ("has no local endpoints").
 *   POSTROUTING -> KATES-POSTROUTING: MASQUERADE what KATES-MARK-MASQ marked.
 * Without endpoints there is no DNAT and the filter table REJECTs instead (KATES-SERVICES for the
 * ClusterIP, KATES-EXTERNAL-SERVICES for NodePorts and external addresses).
 */
import { createHash } from "node:crypto";
import type { EndpointInfo, ServicePortInfo } from "../types.js";
import {
  EXTERNAL_SERVICES, FIREWALL, FORWARD, MARK_MASQ, MASQ_MARK, NODEPORTS, POSTROUTING, SERVICES,
  extChain, fwChain, sepName, svcChain, svlChain,
} from "./names.js";

/** Chains and their rule lines (`-A CHAIN ...`) for one table; every chain here is ours. */
export type TableRules = Map<string, string[]>;

/** A full rendering: our chains in nat and filter. */
export interface Ruleset {
  nat: TableRules;
  filter: TableRules;
  /** sha256 over the rendered rules (built from per-Service digests, so it costs nothing to recompute). */
  digest: string;
}

/** Options that shape the rules, from flags. */
export interface RenderOptions {
  /** --cluster-cidr: ClusterIP traffic from outside it is masqueraded ("" = masquerade none of it). */
  clusterCIDR: string;
  /** --masquerade-all: masquerade all ClusterIP traffic. */
  masqueradeAll: boolean;
  /**
   * --masquerade-fully-random: MASQUERADE --random-fully, as Kubernetes does when iptables has it.
   * Off by default: the kernel then keeps the client's source port whenever it is free. With
   * random ports, a new connection often gets a port the backend still holds in TIME_WAIT (conntrack
   * forgets a mapping as soon as the client reuses its own port, the backend keeps it 60 s), the
   * backend takes the SYN for a stale duplicate, and the client retransmits after 1 s. Measured
   * here, one outside client opening a connection per request through a NodePort: 0.95x of direct
   * without, falling round by round to 0.1x with. Random ports guard against a rare race (two
   * sources given one port at once); turn them on where that matters more.
   */
  masqueradeFullyRandom?: boolean;
  /** This node's name: endpoints whose nodeName equals it are the local ones (both traffic policies' Local). */
  nodeName?: string;
}

/** A jump from a built-in chain to ours, inserted at position 1 when missing. */
export interface Jump {
  table: "nat" | "filter";
  chain: string;
  /** Rule arguments after `-A CHAIN`. */
  args: string[];
}

const cmt = (s: string) => `-m comment --comment "${s.replace(/"/g, "")}"`;

/** The jumps from built-in chains into ours, as Kubernetes' kube-proxy installs them. */
export const JUMPS: Jump[] = [
  { table: "nat", chain: "PREROUTING", args: ["-m", "comment", "--comment", "kates service portals", "-j", SERVICES] },
  { table: "nat", chain: "OUTPUT", args: ["-m", "comment", "--comment", "kates service portals", "-j", SERVICES] },
  { table: "nat", chain: "POSTROUTING", args: ["-m", "comment", "--comment", "kates postrouting rules", "-j", POSTROUTING] },
  { table: "filter", chain: "INPUT", args: ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kates externally-visible service portals", "-j", EXTERNAL_SERVICES] },
  { table: "filter", chain: "INPUT", args: ["-m", "comment", "--comment", "kates localnet guard", "-j", FIREWALL] },
  { table: "filter", chain: "FORWARD", args: ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kates service portals", "-j", SERVICES] },
  { table: "filter", chain: "FORWARD", args: ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kates externally-visible service portals", "-j", EXTERNAL_SERVICES] },
  { table: "filter", chain: "FORWARD", args: ["-m", "comment", "--comment", "kates forwarding rules", "-j", FORWARD] },
  { table: "filter", chain: "OUTPUT", args: ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kates service portals", "-j", SERVICES] },
];

function add(t: TableRules, chain: string, rule: string): void {
  let rules = t.get(chain);
  if (!rules) t.set(chain, (rules = []));
  rules.push(`-A ${chain} ${rule}`);
}

interface Fragment {
  sp: ServicePortInfo;
  fp: string;
  nat: TableRules;
  filter: TableRules;
  digest: string;
}

/**
 * Renders rulesets, remembering each Service port's rules by a fingerprint of its inputs, so a
 * sync with 1,000 Services of which one changed renders one (the rest is reused as is).
 */
export class RuleRenderer {
  private cache = new Map<string, Fragment>();

  constructor(private readonly opts: RenderOptions) {}

  /** Renders every rule kates owns for the given Service ports. */
  render(ports: ServicePortInfo[]): Ruleset {
    const nat: TableRules = new Map([[SERVICES, []], [NODEPORTS, []], [MARK_MASQ, []], [POSTROUTING, []]]);
    const filter: TableRules = new Map([[SERVICES, []], [EXTERNAL_SERVICES, []], [FORWARD, []], [FIREWALL, []]]);
    add(filter, FIREWALL, `! -s 127.0.0.0/8 -d 127.0.0.0/8 ${cmt("block incoming localnet connections")} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);

    add(nat, MARK_MASQ, `-j MARK --or-mark ${MASQ_MARK}`);
    add(nat, POSTROUTING, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
    // Clear the bit so a packet that passes through again (e.g. re-encapsulated) is not masqueraded twice.
    add(nat, POSTROUTING, `-j MARK --xor-mark ${MASQ_MARK}`);
    add(nat, POSTROUTING, `${cmt("kates service traffic requiring SNAT")} -j MASQUERADE${this.opts.masqueradeFullyRandom ? " --random-fully" : ""}`);

    add(filter, FORWARD, `-m conntrack --ctstate INVALID -j DROP`);
    add(filter, FORWARD, `-m mark --mark ${MASQ_MARK}/${MASQ_MARK} ${cmt("kates forwarding rules")} -j ACCEPT`);
    add(filter, FORWARD, `-m conntrack --ctstate RELATED,ESTABLISHED ${cmt("kates forwarding conntrack rule")} -j ACCEPT`);

    const digest = createHash("sha256").update(tablesText(nat, filter));
    const next = new Map<string, Fragment>();
    for (const sp of ports) {
      const id = `${sp.key}/${sp.protocol}`;
      let f = this.cache.get(id);
      if (f?.sp !== sp) {
        const fp = JSON.stringify(sp);
        if (f?.fp !== fp) f = fragment(sp, fp, this.opts);
        else f.sp = sp;
      }
      next.set(id, f);
      digest.update(f.digest);
      for (const [t, into] of [[f.nat, nat], [f.filter, filter]] as const) {
        for (const [chain, rules] of t) {
          const have = into.get(chain);
          if (have) have.push(...rules);
          else into.set(chain, [...rules]);
        }
      }
    }
    this.cache = next;

    // Last: anything else aimed at a local address may be a NodePort.
    add(nat, SERVICES, `-m addrtype --dst-type LOCAL ${cmt("kates service nodeports; NOTE: this must be the last rule in this chain")} -j ${NODEPORTS}`);
    digest.update(nat.get(SERVICES)!.at(-1)!);
    return { nat, filter, digest: digest.digest("hex") };
  }
}

/** Renders every rule kates owns for the given Service ports (no cache). */
export function renderRules(ports: ServicePortInfo[], opts: RenderOptions): Ruleset {
  return new RuleRenderer(opts).render(ports);
}

function tablesText(nat: TableRules, filter: TableRules): string {
  let s = "";
  for (const t of [nat, filter]) for (const [chain, rules] of t) s += `:${chain}\n${rules.join("\n")}\n`;
  return s;
}

function fragment(sp: ServicePortInfo, fp: string, opts: RenderOptions): Fragment {
  const nat: TableRules = new Map();
  const filter: TableRules = new Map();
  renderServicePort(nat, filter, sp, opts);
  return { sp, fp, nat, filter, digest: createHash("sha256").update(tablesText(nat, filter)).digest("hex") };
}

function renderServicePort(nat: TableRules, filter: TableRules, sp: ServicePortInfo, opts: RenderOptions): void {
  const p = sp.protocol;
  const match = (ip: string, port: number) => `-d ${ip}/32 -p ${p} -m ${p} --dport ${port}`;
  const external = sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;

  if (sp.endpoints.length === 0) {
    const reject = `-j REJECT --reject-with icmp-port-unreachable`;
    add(filter, SERVICES, `${match(sp.clusterIP, sp.port)} ${cmt(`${sp.key} has no endpoints`)} ${reject}`);
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) add(filter, EXTERNAL_SERVICES, `${match(ip, sp.port)} ${cmt(`${sp.key} has no endpoints`)} ${reject}`);
    if (sp.nodePort !== undefined) {
      add(filter, EXTERNAL_SERVICES, `-m addrtype --dst-type LOCAL -p ${p} -m ${p} --dport ${sp.nodePort} ${cmt(`${sp.key} has no endpoints`)} ${reject}`);
    }
    return;
  }

  const svc = svcChain(sp);
  const ext = extChain(sp);
  const local = sp.endpoints.filter((ep) => ep.nodeName !== undefined && ep.nodeName === opts.nodeName);
  // The chain ClusterIP traffic enters: every endpoint, or with internalTrafficPolicy Local this node's only.
  const internal = sp.internalPolicyLocal ? svlChain(sp) : svc;
  const internalEndpoints = sp.internalPolicyLocal ? local : sp.endpoints;
  if (internalEndpoints.length) {
    add(nat, SERVICES, `${match(sp.clusterIP, sp.port)} ${cmt(`${sp.key} cluster IP`)} -j ${internal}`);
  } else {
    // Endpoints exist, just none here: drop (the client retries or times out), as Kubernetes does.
    add(filter, SERVICES, `${match(sp.clusterIP, sp.port)} ${cmt(`${sp.key} has no local endpoints`)} -j DROP`);
  }
  for (const ip of sp.externalIPs) add(nat, SERVICES, `${match(ip, sp.port)} ${cmt(`${sp.key} external IP`)} -j ${ext}`);
  if (sp.loadBalancerIPs.length) {
    const fw = fwChain(sp);
    for (const ip of sp.loadBalancerIPs) add(nat, SERVICES, `${match(ip, sp.port)} ${cmt(`${sp.key} loadbalancer IP`)} -j ${fw}`);
    if (sp.loadBalancerSourceRanges.length) {
      for (const src of sp.loadBalancerSourceRanges) add(nat, fw, `-s ${src} ${cmt(`${sp.key} loadbalancer IP`)} -j ${ext}`);
      // Traffic from elsewhere keeps its LoadBalancer destination (no DNAT) and is dropped in filter.
      for (const ip of sp.loadBalancerIPs) add(filter, EXTERNAL_SERVICES, `${match(ip, sp.port)} ${cmt(`${sp.key} traffic not accepted by ${fw}`)} -j DROP`);
    } else {
      add(nat, fw, `${cmt(`${sp.key} loadbalancer IP`)} -j ${ext}`);
    }
  }
  if (sp.nodePort !== undefined) add(nat, NODEPORTS, `-p ${p} -m ${p} --dport ${sp.nodePort} ${cmt(`${sp.key} node port`)} -j ${ext}`);
  if (external && sp.externalPolicyLocal) {
    // Pods and the node itself are "inside": they get every endpoint, as through the ClusterIP.
    if (opts.clusterCIDR) add(nat, ext, `-s ${opts.clusterCIDR} ${cmt(`pod traffic for ${sp.key} external destinations`)} -j ${svc}`);
    add(nat, ext, `-m addrtype --src-type LOCAL ${cmt(`masquerade LOCAL traffic for ${sp.key} external destinations`)} -j ${MARK_MASQ}`);
    add(nat, ext, `-m addrtype --src-type LOCAL ${cmt(`route LOCAL traffic for ${sp.key} external destinations`)} -j ${svc}`);
    if (local.length) balance(nat, ext, sp, local);
    else {
      // Not DNATed above, so the packet still carries the Service address: drop it before it is delivered or forwarded.
      const drop = `${cmt(`${sp.key} has no local endpoints`)} -j DROP`;
      for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) add(filter, EXTERNAL_SERVICES, `${match(ip, sp.port)} ${drop}`);
      if (sp.nodePort !== undefined) add(filter, EXTERNAL_SERVICES, `-m addrtype --dst-type LOCAL -p ${p} -m ${p} --dport ${sp.nodePort} ${drop}`);
    }
  } else if (external) {
    add(nat, ext, `${cmt(`masquerade traffic for ${sp.key} external destinations`)} -j ${MARK_MASQ}`);
    add(nat, ext, `-j ${svc}`);
  }

  if (internalEndpoints.length) {
    // ClusterIP traffic from outside the pod network (nodes, other hosts) must come back through this node.
    if (opts.masqueradeAll) add(nat, internal, `${match(sp.clusterIP, sp.port)} ${cmt(`${sp.key} cluster IP`)} -j ${MARK_MASQ}`);
    else if (opts.clusterCIDR) add(nat, internal, `! -s ${opts.clusterCIDR} ${match(sp.clusterIP, sp.port)} ${cmt(`${sp.key} cluster IP`)} -j ${MARK_MASQ}`);
    if (internal !== svc) balance(nat, internal, sp, internalEndpoints);
  }
  // KATES-SVC-x (every endpoint) serves the ClusterIP under the Cluster policy and, whatever the
  // internal policy, external destinations: pods and the node reaching a NodePort/LB/external IP get
  // every endpoint, as in Kubernetes, where that traffic is subject to neither policy.
  if (!sp.internalPolicyLocal || external) balance(nat, svc, sp, sp.endpoints);
}

/**
 * Hairpin marks, ClientIP-affinity checks and one DNAT per endpoint with falling probabilities,
 * appended to `chain`. No per-endpoint (KUBE-SEP-style) chains: with the nft backend,
 * iptables-restore time grows with the number of chains far more than with rules (1,000 Services
 * x 10 endpoints: about 7x faster flat, measured here).
 */
function balance(nat: TableRules, chain: string, sp: ServicePortInfo, endpoints: EndpointInfo[]): void {
  const p = sp.protocol;
  const seps = endpoints.map((ep) => ({ ep, name: sepName(sp, ep), id: `${ep.ip}:${ep.port}` }));
  for (const s of seps) {
    // Hairpin: a pod reaching itself through the Service must see the reply come from the Service.
    add(nat, chain, `-s ${s.ep.ip}/32 ${cmt(`${sp.key} hairpin ${s.ep.ip}`)} -j ${MARK_MASQ}`);
  }
  const dnat = (s: (typeof seps)[number]) => `-m ${p} -j DNAT --to-destination ${s.id}`;
  if (sp.affinitySeconds !== undefined) {
    for (const s of seps) {
      add(nat, chain, `-p ${p} ${cmt(`${sp.key} -> ${s.id} (affinity)`)} -m recent --name ${s.name} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinitySeconds} --reap ${dnat(s)}`);
    }
  }
  seps.forEach((s, i) => {
    const left = seps.length - i;
    const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
    // Matches run in order and stop at the first miss, so --set only records the endpoint actually chosen.
    const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${s.name} --mask 255.255.255.255 --rsource --set` : "";
    add(nat, chain, `-p ${p} ${cmt(`${sp.key} -> ${s.id}`)}${stat}${recent} ${dnat(s)}`);
  });
}

/** Counts for /healthz and the benchmark: Service ports with rules and endpoint chains rendered. */
export function rulesetStats(ports: ServicePortInfo[]): { servicePorts: number; endpoints: number; withoutEndpoints: number } {
  let endpoints = 0;
  let withoutEndpoints = 0;
  for (const sp of ports) {
    endpoints += sp.endpoints.length;
    if (!sp.endpoints.length) withoutEndpoints++;
  }
  return { servicePorts: ports.length, endpoints, withoutEndpoints };
}
