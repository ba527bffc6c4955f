/**
 * IpPool: the LoadBalancer address pool (--load-balancer-ip-pool), a CIDR such as
 * 172.31.255.0/28 or an inclusive range such as 172.31.255.10-172.31.255.20. A CIDR of /30
 * or wider leaves out its network and broadcast addresses, which some routers will not
 * forward to. State lives in the Services' status; the pool is only an index of it.
 */

function parseIPv4(s: string): number {
  const parts = s.trim().split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Largest pool accepted: the index is a Map, a /16 is plenty for a lab. */
const MAX_SIZE = 65536;

/** Hands out addresses of the pool, lowest free first, never one to two owners. */
export class IpPool {
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Map<number, string>();

  /** Parses a CIDR or an A-B range; throws with a readable message on anything else. */
  constructor(readonly spec: string) {
    const s = spec.trim();
    if (s.includes("-")) {
      const [a, b] = s.split("-");
      this.first = parseIPv4(a!);
      this.last = parseIPv4(b!);
    } else {
      const [ip, len] = s.split("/");
      const prefix = Number(len);
      if (!ip || len === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid pool ${JSON.stringify(spec)}: want a CIDR or A-B`);
      const size = 2 ** (32 - prefix);
      const base = Math.floor(parseIPv4(ip) / size) * size;
      const edges = prefix <= 30 ? 1 : 0;
      this.first = base + edges;
      this.last = base + size - 1 - edges;
    }
    if (this.last < this.first) throw new Error(`invalid pool ${JSON.stringify(spec)}: empty`);
    if (this.size > MAX_SIZE) throw new Error(`pool ${JSON.stringify(spec)} has more than ${MAX_SIZE} addresses`);
  }

  get size(): number {
    return this.last - this.first + 1;
  }

  /** Addresses handed out. */
  get inUse(): number {
    return this.used.size;
  }

  private index(ip: string): number | undefined {
    try {
      const n = parseIPv4(ip);
      return n >= this.first && n <= this.last ? n : undefined;
    } catch {
      return undefined;
    }
  }

  contains(ip: string): boolean {
    return this.index(ip) !== undefined;
  }

  /** Who holds `ip`, if anyone. */
  holder(ip: string): string | undefined {
    const n = this.index(ip);
    return n === undefined ? undefined : this.used.get(n);
  }

  /** The address `owner` holds, if any. */
  heldBy(owner: string): string | undefined {
    for (const [n, o] of this.used) if (o === owner) return formatIPv4(n);
    return undefined;
  }

  /** Marks `ip` as held by `owner`; false if it is outside the pool or held by another. */
  occupy(ip: string, owner: string): boolean {
    const n = this.index(ip);
    if (n === undefined) return false;
    const holder = this.used.get(n);
    if (holder !== undefined && holder !== owner) return false;
    this.used.set(n, owner);
    return true;
  }

  /** The lowest free address, now held by `owner`; undefined when the pool is exhausted. */
  allocate(owner: string): string | undefined {
    for (let n = this.first; n <= this.last; n++) {
      if (this.used.has(n)) continue;
      this.used.set(n, owner);
      return formatIPv4(n);
    }
    return undefined;
  }

  /** Frees every address `owner` holds; returns how many. */
  releaseOwner(owner: string): number {
    let freed = 0;
    for (const [n, o] of this.used) {
      if (o !== owner) continue;
      this.used.delete(n);
      freed++;
    }
    return freed;
  }

  /** Forgets every allocation (before a rebuild from the API). */
  clear(): void {
    this.used.clear();
  }
}
