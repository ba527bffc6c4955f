/**
 * Stale UDP conntrack entries. UDP has no connection end, so after an endpoint goes away the
 * kernel keeps sending a client's datagrams to it until the entry times out; Kubernetes deletes
 * such entries with the `conntrack` tool. Optional: without the binary this does nothing.
 */
import { execCommand } from "../exec.js";
import type { ServicePortInfo } from "../types.js";

export class Conntrack {
  private available?: boolean;

  constructor(private readonly prefix: string[] = []) {}

  private async run(args: string[]): Promise<void> {
    const [head, ...rest] = [...this.prefix, "conntrack", ...args];
    await execCommand(head!, rest);
  }

  /** Deletes entries that point at UDP endpoints no longer present, or at ClusterIPs that had none. */
  async clearStale(prev: Map<string, ServicePortInfo>, next: ServicePortInfo[]): Promise<number> {
    const jobs: string[][] = [];
    for (const sp of next) {
      if (sp.protocol !== "udp") continue;
      const old = prev.get(sp.key);
      if (!old) continue;
      // Datagrams sent while there was no endpoint have entries with no DNAT; clear them so the new endpoint gets the flow.
      if (!old.endpoints.length && sp.endpoints.length) jobs.push(["-D", "-p", "udp", "--orig-dst", sp.clusterIP]);
      const now = new Set(sp.endpoints.map((e) => e.ip));
      for (const e of old.endpoints) if (!now.has(e.ip)) jobs.push(["-D", "-p", "udp", "--orig-dst", sp.clusterIP, "--dst-nat", e.ip]);
    }
    if (!jobs.length) return 0;
    if (this.available === undefined) {
      const [head, ...rest] = [...this.prefix, "conntrack", "--version"];
      this.available = (await execCommand(head!, rest)).code === 0;
    }
    if (!this.available) return 0;
    for (const j of jobs) await this.run(j);
    return jobs.length;
  }
}
