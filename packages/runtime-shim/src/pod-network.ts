/**
 * The shim's pod network: one Docker bridge network per shim whose subnet is the node's
 * podCIDR (UpdateRuntimeConfig), so every sandbox's address is a pod IP routable across
 * hosts. Until a podCIDR is given the shim keeps Docker's default bridge (hollow and older
 * setups). Restart-safe: the network is found again by its labels, never by memory.
 */
import { status as Status } from "@grpc/grpc-js";
import type { Logger } from "@kates/component-base";
import type { Engine, NetworkInspectInfo } from "./docker/index.js";
import { RuntimeError, isDockerNotFound } from "./errors.js";
import { LABEL_SHIM, LABEL_TYPE, shimLabel } from "./labels.js";
import { isPoolName } from "./naming.js";
import { POD_NETWORK_TYPE, networkSubnet, parsePodCIDR, podNetworkCreateOptions } from "./pod-network-config.js";

/** What a network change must do to pooled sandboxes (they are made before their pod is known). */
export interface PoolHooks {
  /** Stops refilling and removes every idle pooled sandbox. */
  drain(): Promise<void>;
  /** Refills on `network`. */
  resume(network: string): void;
}

export class PodNetwork {
  private current?: { id: string; name: string; cidr: string };
  private queue: Promise<unknown> = Promise.resolve();
  pool?: PoolHooks;

  constructor(private readonly engine: Engine, private readonly shimId: string, private readonly log: Logger) {}

  /** Docker network name new sandboxes join: the pod network, or undefined for the default bridge. */
  get networkName(): string | undefined {
    return this.current?.name;
  }

  get podCIDR(): string | undefined {
    return this.current?.cidr;
  }

  /** Finds this shim's pod network left by an earlier run, so sandboxes keep their network across restarts. */
  async adopt(): Promise<void> {
    const mine = await this.ours();
    if (!mine.length) return;
    mine.sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    const keep = mine[0]!;
    this.current = { id: keep.Id, name: keep.Name, cidr: networkSubnet(keep) };
    for (const extra of mine.slice(1)) await this.removeIfUnused(extra).catch(() => undefined);
    this.log.info({ network: keep.Name, podCIDR: this.current.cidr }, "adopted the pod network");
  }

  /** UpdateRuntimeConfig: makes the pod network match podCIDR (idempotent; one change at a time). */
  configure(podCIDR: string): Promise<void> {
    const run = this.queue.then(() => this.apply(podCIDR));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(podCIDR: string): Promise<void> {
    if (!podCIDR) return; // CRI: an empty CIDR changes nothing
    const parsed = parsePodCIDR(podCIDR);
    if (parsed instanceof Error) throw new RuntimeError(Status.INVALID_ARGUMENT, parsed.message);
    const mine = await this.ours();
    const same = mine.find((n) => networkSubnet(n) === parsed.cidr);
    const stale = mine.filter((n) => n !== same);
    for (const n of stale) {
      if (inUse(n)) {
        throw new RuntimeError(Status.FAILED_PRECONDITION, `pod network ${n.Name} (${networkSubnet(n)}) still has sandboxes; remove them before changing the pod CIDR to ${parsed.cidr}`);
      }
    }
    const switching = !same || this.current?.id !== same.Id;
    if (switching) await this.pool?.drain();
    try {
      for (const n of stale) await this.removeIfUnused(n);
      if (same) {
        this.current = { id: same.Id, name: same.Name, cidr: parsed.cidr };
      } else {
        const opts = podNetworkCreateOptions(this.shimId, parsed.cidr);
        const id = await this.engine.createNetwork(opts);
        this.current = { id, name: opts.Name, cidr: parsed.cidr };
        this.log.info({ network: opts.Name, podCIDR: parsed.cidr, bridge: opts.Options?.["com.docker.network.bridge.name"] }, "created the pod network");
      }
    } finally {
      if (switching) this.pool?.resume(this.current?.name ?? "bridge");
    }
  }

  /** The NetworkReady condition of the Status rpc. */
  condition(): { type: string; status: boolean; reason: string; message: string } {
    return this.current
      ? { type: "NetworkReady", status: true, reason: "", message: `pod network ${this.current.name} (${this.current.cidr})` }
      : { type: "NetworkReady", status: false, reason: "NoPodCIDR", message: "no pod CIDR configured yet (UpdateRuntimeConfig); sandboxes use Docker's default bridge" };
  }

  /** Checks the network still exists (someone may have removed it); forgets it when not. */
  async verify(): Promise<void> {
    if (!this.current) return;
    try {
      await this.engine.inspectNetwork(this.current.id);
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
      this.log.warn({ network: this.current.name }, "the pod network is gone; waiting for UpdateRuntimeConfig to recreate it");
      this.current = undefined;
    }
  }

  private async ours(): Promise<NetworkInspectInfo[]> {
    const list = await this.engine.listNetworks([shimLabel(this.shimId), `${LABEL_TYPE}=${POD_NETWORK_TYPE}`]);
    // The list endpoint leaves Containers empty: inspect each for its endpoints.
    const out: NetworkInspectInfo[] = [];
    for (const n of list) {
      if (n.Labels?.[LABEL_SHIM] !== this.shimId) continue;
      try {
        out.push(await this.engine.inspectNetwork(n.Id));
      } catch (err) {
        if (!isDockerNotFound(err)) throw err;
      }
    }
    return out;
  }

  private async removeIfUnused(n: NetworkInspectInfo): Promise<void> {
    if (inUse(n)) return;
    // Idle pooled sandboxes may still be attached (drain removes the ones the pool knows).
    for (const [id, c] of Object.entries(n.Containers ?? {})) if (isPoolName(c.Name)) await this.engine.remove(id).catch(() => undefined);
    try {
      await this.engine.removeNetwork(n.Id);
      this.log.info({ network: n.Name, podCIDR: networkSubnet(n) }, "removed a stale pod network");
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
    }
    if (this.current?.id === n.Id) this.current = undefined;
  }
}

/** True when a running container other than an idle pooled sandbox is attached. */
function inUse(n: NetworkInspectInfo): boolean {
  return Object.values(n.Containers ?? {}).some((c) => !isPoolName(c.Name));
}
