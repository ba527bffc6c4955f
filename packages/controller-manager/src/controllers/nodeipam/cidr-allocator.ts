/**
 * CidrAllocator: splits an IPv4 cluster CIDR into equal per-node blocks and hands out the
 * first free one. State lives in the Nodes (spec.podCIDR); the allocator is rebuilt from
 * them on start, so it is only a fast index of what the API already says.
 */

function parseIPv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
    n = n * 256 + b;
  }
  return n;
}

function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Parses "a.b.c.d/p" into its network address (as a number) and prefix length. */
export function parseCIDR(cidr: string): { base: number; prefix: number } {
  const [ip, len] = cidr.split("/");
  const prefix = Number(len);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(parseIPv4(ip) / size) * size, prefix };
}

/** Hands out /maskSize blocks of clusterCIDR, first free first, never one twice. */
export class CidrAllocator {
  private readonly base: number;
  private readonly blockSize: number;
  private readonly count: number;
  private readonly used = new Map<number, string>();

  constructor(clusterCIDR: string, private readonly maskSize: number) {
    const { base, prefix } = parseCIDR(clusterCIDR);
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 32) {
      throw new Error(`node CIDR mask size ${maskSize} does not fit cluster CIDR ${clusterCIDR}`);
    }
    this.base = base;
    this.blockSize = 2 ** (32 - maskSize);
    this.count = 2 ** (maskSize - prefix);
  }

  /** The block index of `cidr`, or undefined if it is not one of this allocator's blocks. */
  private indexOf(cidr: string): number | undefined {
    let parsed;
    try {
      parsed = parseCIDR(cidr);
    } catch {
      return undefined;
    }
    if (parsed.prefix !== this.maskSize) return undefined;
    const i = (parsed.base - this.base) / this.blockSize;
    return Number.isInteger(i) && i >= 0 && i < this.count ? i : undefined;
  }

  /** Marks `cidr` as used by `owner`; false if it is outside the range or used by another. */
  occupy(cidr: string, owner: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    const holder = this.used.get(i);
    if (holder !== undefined && holder !== owner) return false;
    this.used.set(i, owner);
    return true;
  }

  /** The first free block, now held by `owner`; throws when the range is full. */
  allocate(owner: string): string {
    for (let i = 0; i < this.count; i++) {
      if (this.used.has(i)) continue;
      this.used.set(i, owner);
      return `${formatIPv4(this.base + i * this.blockSize)}/${this.maskSize}`;
    }
    throw new Error(`no free /${this.maskSize} left in the cluster CIDR`);
  }

  /** Frees `cidr` if `owner` holds it. */
  release(cidr: string, owner: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined && this.used.get(i) === owner) this.used.delete(i);
  }

  /** Who holds `cidr`, if anyone. */
  holder(cidr: string): string | undefined {
    const i = this.indexOf(cidr);
    return i === undefined ? undefined : this.used.get(i);
  }
}
