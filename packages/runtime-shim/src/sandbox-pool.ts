/**
 * A few pre-started, unassigned pause containers, so a pod's sandbox is claimed (a rename)
 * instead of created and started on the pod's critical path (about 0.2-0.3 s here: bridge
 * network setup dominates). RunPodSandbox claims one and the pool refills in the background.
 *
 * Trade-off: a pool container is created before its pod is known, on the shim's pod network
 * (Docker's default bridge until UpdateRuntimeConfig gave one; a network change drains the pool). What can change after start is adjusted on claim (resolv.conf, hostname
 * and hosts files are host files Docker bind-mounts; the pod's containers' kernel hostname is
 * set after they start). What cannot (published host ports, host namespaces, sysctls, cgroup
 * parent) makes RunPodSandbox fall back to a fresh sandbox; see poolEligible.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "@kates/component-base";
import type { Engine } from "./docker/index.js";
import type { PodSandboxConfig } from "@kates/cri-api";
import { LABEL_MANAGED, LABEL_SHIM, LABEL_TYPE, shimLabel } from "./labels.js";
import { isPoolName, poolName } from "./naming.js";

export interface SandboxPoolOptions {
  size: number;
  pauseImage: string;
  shimId: string;
}

/** True when a pooled sandbox can serve this pod (nothing fixed at container start differs). */
export function poolEligible(cfg: PodSandboxConfig): boolean {
  const sc = cfg.linux?.security_context;
  if (sc?.host_network || sc?.host_pid || sc?.host_ipc) return false;
  if ((cfg.port_mappings ?? []).some((p) => p.host_port > 0)) return false;
  if (cfg.linux?.cgroup_parent) return false;
  if (Object.keys(cfg.linux?.sysctls ?? {}).length) return false;
  return true;
}

export class SandboxPool {
  private readonly ready: string[] = [];
  private filling?: Promise<void>;
  private stopped = false;
  /** While a pod network change is under way: no refills, nothing handed out. */
  private paused = false;
  /** Docker network pooled sandboxes join: "bridge" until the shim has a pod network. */
  private network = "bridge";

  constructor(private readonly engine: Engine, private readonly opts: SandboxPoolOptions, private readonly log: Logger) {}

  /**
   * Adopts running pool containers on `network` left by an earlier shim, removes dead ones
   * and ones on another network, and fills.
   */
  async start(network = "bridge"): Promise<void> {
    this.network = network;
    if (this.opts.size <= 0) return;
    const existing = await this.engine.list([`${LABEL_TYPE}=pool`, shimLabel(this.opts.shimId)]);
    for (const c of existing) {
      if (!c.Names.some(isPoolName)) continue; // claimed: a pod's sandbox now
      const onNetwork = (c.HostConfig?.NetworkMode ?? "bridge") === network;
      if (c.State === "running" && onNetwork && this.ready.length < this.opts.size) this.ready.push(c.Id);
      else await this.engine.remove(c.Id).catch(() => undefined);
    }
    this.refill();
  }

  /** Takes a ready pool container (its id), or undefined when the pool is empty. */
  claim(): string | undefined {
    if (this.paused) return undefined;
    const id = this.ready.shift();
    this.refill();
    return id;
  }

  /** Returns a container that could not be claimed after all. */
  giveBack(id: string): void {
    this.ready.unshift(id);
  }

  get size(): number {
    return this.ready.length;
  }

  /** Before the pod network changes: stop refilling and remove every idle container. */
  async drain(): Promise<void> {
    this.paused = true;
    await this.filling;
    const ids = this.ready.splice(0);
    await Promise.all(ids.map((id) => this.engine.remove(id).catch(() => undefined)));
  }

  /** After the pod network changed: refill on `network`. */
  resume(network: string): void {
    this.network = network;
    this.paused = false;
    this.refill();
  }

  /** Stops refilling; with removeIdle, also removes the unclaimed containers. */
  async stop(removeIdle = false): Promise<void> {
    this.stopped = true;
    if (removeIdle) {
      const ids = this.ready.splice(0);
      await Promise.all(ids.map((id) => this.engine.remove(id).catch(() => undefined)));
    }
  }

  /** Resolves when the pool is full (tests and benchmarks wait for a warm pool). */
  async waitFull(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.paused || this.ready.length < this.opts.size) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  private refill(): void {
    if (this.filling || this.stopped || this.paused) return;
    this.filling = (async () => {
      // One at a time: a refill competes for the same 2 cores as the pod starting right now.
      while (!this.stopped && !this.paused && this.ready.length < this.opts.size) {
        try {
          this.ready.push(await this.createOne());
        } catch (err) {
          if (this.stopped || this.paused) break;
          this.log.warn({ err }, "could not start a pooled sandbox; retrying in 2s");
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    })().finally(() => {
      this.filling = undefined;
    });
  }

  private async createOne(): Promise<string> {
    const network = this.network;
    const id = await this.engine.create({
      name: poolName(randomBytes(6).toString("hex")),
      Image: this.opts.pauseImage,
      Labels: { [LABEL_TYPE]: "pool", [LABEL_MANAGED]: "true", [LABEL_SHIM]: this.opts.shimId },
      HostConfig: { NetworkMode: network, IpcMode: "shareable", RestartPolicy: { Name: "no" } },
    });
    try {
      await this.engine.start(id);
    } catch (err) {
      await this.engine.remove(id).catch(() => undefined);
      throw err;
    }
    if (this.stopped || this.paused || network !== this.network) {
      await this.engine.remove(id).catch(() => undefined);
      throw new Error("pool stopped or its network changed");
    }
    return id;
  }
}
