/**
 * ClusterIPs as /32 addresses on `lo`, so userspace listeners can bind them (Kubernetes' userspace
 * mode used iptables redirects instead; this kernel has no dummy device). Every address carries the
 * label lo:kates, which is how --cleanup finds ours. Only this node can reach them: other hosts have
 * no route to the Service range through this node.
 */
import { execCommand } from "../exec.js";

export const LOOPBACK_LABEL = "lo:kates";

export class LoopbackAddresses {
  constructor(private readonly prefix: string[] = []) {}

  private async ip(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const [head, ...rest] = [...this.prefix, "ip", ...args];
    return execCommand(head!, rest);
  }

  /** Our addresses now on lo. */
  async list(): Promise<string[]> {
    const r = await this.ip(["-4", "-o", "addr", "show", "dev", "lo", "label", LOOPBACK_LABEL]);
    return [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)].map((m) => m[1]!);
  }

  async add(address: string): Promise<void> {
    const r = await this.ip(["addr", "replace", `${address}/32`, "dev", "lo", "label", LOOPBACK_LABEL]);
    if (r.code !== 0) throw new Error(`ip addr add ${address}/32 dev lo: ${r.stderr.trim()}`);
  }

  async remove(address: string): Promise<void> {
    await this.ip(["addr", "del", `${address}/32`, "dev", "lo"]);
  }

  /** Removes every address of ours; returns how many. */
  async removeAll(): Promise<number> {
    const all = await this.list();
    for (const a of all) await this.remove(a);
    return all.length;
  }
}
