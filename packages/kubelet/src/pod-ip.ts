/** Pod IPs for nodes without a network plugin (hollow nodes): addresses out of the node's podCIDR. */

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Hands out addresses from a node's podCIDR (skipping the network and gateway addresses),
 * or from a fake 10.2xx range derived from the node's index while it has none; an address
 * stays with its pod uid until released.
 */
export class PodIPAllocator {
  private cidr?: { base: number; size: number };
  private next = 0;
  private readonly byUid = new Map<string, string>();

  constructor(private readonly nodeIndex: number) {}

  /** Sets the node's spec.podCIDR; later allocations come from it. */
  setPodCIDR(cidr: string | undefined): void {
    const m = cidr ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr) : null;
    if (!m) return;
    const bits = Number(m[2]);
    const size = 2 ** (32 - bits);
    const base = ipToInt(m[1]!) - (ipToInt(m[1]!) % size);
    if (this.cidr?.base === base && this.cidr.size === size) return;
    this.cidr = { base, size };
    this.next = 0;
  }

  get hasPodCIDR(): boolean {
    return this.cidr !== undefined;
  }

  /** The pod's address, allocating one on first use; `existing` (from a prior run) is kept. */
  allocate(uid: string, existing?: string): string {
    const known = this.byUid.get(uid);
    if (known) return known;
    const ip = existing || this.fresh();
    this.byUid.set(uid, ip);
    return ip;
  }

  release(uid: string): void {
    this.byUid.delete(uid);
  }

  private fresh(): string {
    const n = this.next++;
    if (this.cidr) {
      const usable = Math.max(1, this.cidr.size - 3);
      return intToIp(this.cidr.base + 2 + (n % usable));
    }
    const i = this.nodeIndex;
    return `10.${200 + (Math.floor(i / 256) % 56)}.${i % 256}.${2 + (n % 250)}`;
  }
}

/** A fake, distinct InternalIP for hollow node `index`. */
export function hollowNodeIP(index: number): string {
  return `10.64.${Math.floor(index / 250) % 256}.${1 + (index % 250)}`;
}
