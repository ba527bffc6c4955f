/**
 * Names of kates' iptables chains. Every chain starts with KATES- so `--cleanup` (and a reader of
 * `iptables-save`) can tell ours apart; per-service chains end in a hash, like Kubernetes' KUBE-SVC-*,
 * because iptables limits chain names to 28 characters.
 */
import { createHash } from "node:crypto";
import type { EndpointInfo, ServicePortInfo } from "../types.js";

export const CHAIN_PREFIX = "KATES-";
/** The kubelet's host-gw pod network owns KATES-POD-* (masquerade, DOCKER-USER accept); never ours to touch. */
const POD_NETWORK_PREFIX = "KATES-POD-";

/** True for a chain kube-proxy renders and may delete: KATES-*, except the pod network's KATES-POD-*. */
export const isProxyChain = (name: string): boolean => name.startsWith(CHAIN_PREFIX) && !name.startsWith(POD_NETWORK_PREFIX);

/** nat: entry from PREROUTING and OUTPUT; filter: REJECT of endpoint-less ClusterIPs. */
export const SERVICES = "KATES-SERVICES";
/**
 * filter: from INPUT; drops packets to 127.0.0.0/8 that did not come from loopback and were not
 * DNATed by us. route_localnet=1 (which localhost NodePorts need) would otherwise let other hosts
 * reach services bound to 127.0.0.1 (Kubernetes' KUBE-FIREWALL, CVE-2020-8558).
 */
export const FIREWALL = "KATES-FIREWALL";
/** nat: NodePort dispatch, reached from the end of KATES-SERVICES for local destinations. */
export const NODEPORTS = "KATES-NODEPORTS";
/** nat: marks a packet for masquerade in KATES-POSTROUTING. */
export const MARK_MASQ = "KATES-MARK-MASQ";
/** nat: entry from POSTROUTING; masquerades marked packets. */
export const POSTROUTING = "KATES-POSTROUTING";
/** filter: REJECT of endpoint-less NodePorts, LoadBalancer and external IPs; DROP of LoadBalancer traffic from outside loadBalancerSourceRanges. */
export const EXTERNAL_SERVICES = "KATES-EXTERNAL-SERVICES";
/** filter: accepts forwarded service traffic even where the FORWARD policy is DROP. */
export const FORWARD = "KATES-FORWARD";
/** nat: holds one comment rule with the hash of the applied ruleset (see proxier-iptables.ts). */
export const STATE = "KATES-STATE";

/** The packet mark bit meaning "masquerade me" (Kubernetes uses the same bit, 0x4000, for KUBE-MARK-MASQ). */
export const MASQ_MARK = "0x4000";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** 16 base32 characters of sha256(s): 80 bits, ample to keep service chains apart. */
export function hash16(s: string): string {
  const bytes = createHash("sha256").update(s).digest();
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
    value &= (1 << bits) - 1;
  }
  return out;
}

const portId = (sp: ServicePortInfo) => `${sp.key}/${sp.protocol}`;

/** Per-service-port chain: balances over the endpoints. */
export const svcChain = (sp: ServicePortInfo) => `KATES-SVC-${hash16(portId(sp))}`;
/**
 * Per-service-port chain for ClusterIP traffic with internalTrafficPolicy Local: balances over this
 * node's endpoints only (Kubernetes' KUBE-SVL-*). KATES-SVC-* keeps every endpoint for NodePort/LB
 * traffic from pods, which neither policy applies to.
 */
export const svlChain = (sp: ServicePortInfo) => `KATES-SVL-${hash16(portId(sp))}`;
/** Per-service-port chain for traffic from outside (NodePort, LoadBalancer, external IPs): masquerade, then KATES-SVC-*. */
export const extChain = (sp: ServicePortInfo) => `KATES-EXT-${hash16(portId(sp))}`;
/** Per-service-port chain for LoadBalancer IPs: source-range check, then KATES-EXT-*. */
export const fwChain = (sp: ServicePortInfo) => `KATES-FW-${hash16(portId(sp))}`;
/** Per-endpoint name: not a chain (see rules.ts) but the `-m recent` list that pins ClientIP-affinity clients to it. */
export const sepName = (sp: ServicePortInfo, ep: EndpointInfo) => `KATES-SEP-${hash16(`${portId(sp)}/${ep.ip}:${ep.port}`)}`;
