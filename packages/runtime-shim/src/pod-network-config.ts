/**
 * Pure rules of the shim's pod network: CIDR parsing, the Docker network's name, bridge
 * device name, gateway and create options. No I/O, so each rule is unit-tested.
 */
import { createHash } from "node:crypto";
import type { NetworkCreateOptions } from "./docker/index.js";
import { LABEL_MANAGED, LABEL_SHIM, LABEL_TYPE } from "./labels.js";

/** Label value of io.kates.type on a shim's pod network. */
export const POD_NETWORK_TYPE = "pod-network";
/** The subnet the network was made for (Docker keeps it in IPAM too; this is for `docker network ls` filters). */
export const LABEL_POD_CIDR = "io.kates.pod-cidr";

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * The canonical form of an IPv4 CIDR (host bits cleared), or an Error saying why not. Pod
 * networks need room for a gateway and at least one pod, so prefixes longer than /30 are refused.
 */
export function parsePodCIDR(cidr: string): { cidr: string; gateway: string } | Error {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return new Error(`pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  const bits = Number(m[5]);
  if (bits < 8 || bits > 30) return new Error(`pod CIDR ${cidr}: prefix length must be between 8 and 30`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = (ipToInt(m.slice(1, 5).join(".")) & mask) >>> 0;
  return { cidr: `${intToIp(base)}/${bits}`, gateway: intToIp(base + 1) };
}

/** The Docker network's name for shim `shimId` (unique per engine, as shim ids are). */
export function podNetworkName(shimId: string): string {
  return `kates-pods-${shimId.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
}

/** The Linux bridge device name: at most 15 characters (IFNAMSIZ), stable per shim id. */
export function podBridgeName(shimId: string): string {
  return `kates${createHash("sha256").update(shimId).digest("hex").slice(0, 8)}`;
}

/**
 * Create options of the pod network: a bridge whose subnet is the node's podCIDR and whose
 * gateway is its first address, with Docker's masquerade off (pods keep their source address
 * across hosts; the kubelet's network agent masquerades only traffic leaving the cluster).
 */
export function podNetworkCreateOptions(shimId: string, podCIDR: string): NetworkCreateOptions {
  const parsed = parsePodCIDR(podCIDR);
  if (parsed instanceof Error) throw parsed;
  return {
    Name: podNetworkName(shimId),
    Driver: "bridge",
    CheckDuplicate: true,
    IPAM: { Driver: "default", Config: [{ Subnet: parsed.cidr, Gateway: parsed.gateway }] },
    Options: {
      "com.docker.network.bridge.name": podBridgeName(shimId),
      "com.docker.network.bridge.enable_ip_masquerade": "false",
      "com.docker.network.bridge.enable_icc": "true",
    },
    Labels: { [LABEL_MANAGED]: "true", [LABEL_SHIM]: shimId, [LABEL_TYPE]: POD_NETWORK_TYPE, [LABEL_POD_CIDR]: parsed.cidr },
  };
}

/** The subnet a Docker network was created with ("" when it has none). */
export function networkSubnet(n: { IPAM?: { Config?: { Subnet?: string }[] | null } | null }): string {
  return n.IPAM?.Config?.find((c) => c.Subnet)?.Subnet ?? "";
}
