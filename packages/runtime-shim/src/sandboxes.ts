/**
 * Pod sandboxes: RunPodSandbox (claiming a pooled pause container when the pod allows it),
 * stop, remove, status and list. Every answer is rebuilt from Docker (labels and names)
 * plus the SandboxStore, so a restarted shim sees exactly what the previous one made.
 */
import { writeFile, readFile } from "node:fs/promises";
import type { Logger } from "@kates/component-base";
import type { ContainerSummary, Engine } from "./docker/index.js";
import type { Labels, PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxMetadata, PodSandboxStatus } from "@kates/cri-api";
import { containerIP, resolvConf, sandboxCreateOptions, toNanos } from "./convert.js";
import { isDockerNotFound, notFound } from "./errors.js";
import {
  LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_SANDBOX_ATTEMPT,
  LABEL_SHIM, LABEL_TYPE, fromDockerLabels, matchesSelector, shimLabel, toDockerLabels,
} from "./labels.js";
import { isPoolName, parseName, sandboxName } from "./naming.js";
import { poolEligible, type SandboxPool } from "./sandbox-pool.js";
import type { SandboxStore } from "./sandbox-store.js";
import type { PodNetwork } from "./pod-network.js";

export interface SandboxDeps {
  engine: Engine;
  store: SandboxStore;
  pool?: SandboxPool;
  /** The pod network new sandboxes join; absent or without a network: Docker's default bridge. */
  network?: Pick<PodNetwork, "networkName">;
  pauseImage: string;
  shimId: string;
  log: Logger;
}

/** A sandbox as the shim knows it, whichever way it was made. */
export interface SandboxRecord extends PodSandbox {
  /** Set for a claimed pool container whose pod wants another kernel hostname. */
  hostname?: string;
}

export class Sandboxes {
  constructor(private readonly d: SandboxDeps) {}

  async run(cfg: PodSandboxConfig): Promise<string> {
    const m = cfg.metadata;
    if (!m?.name || !m.namespace || !m.uid) throw new Error("sandbox metadata needs name, namespace and uid");
    const name = sandboxName(m);
    const pooled = this.d.pool && poolEligible(cfg) ? this.d.pool.claim() : undefined;
    if (pooled) {
      try {
        await this.claim(pooled, name, cfg);
        return pooled;
      } catch (err) {
        this.d.log.warn({ err, pod: `${m.namespace}/${m.name}` }, "claiming a pooled sandbox failed; creating one");
        await this.d.store.delete(pooled);
        this.d.pool?.giveBack(pooled);
      }
    }
    const labels = toDockerLabels(cfg.labels, cfg.annotations, {
      ...podLabels(m),
      [LABEL_CONTAINER_NAME]: "POD",
      [LABEL_TYPE]: "sandbox",
      [LABEL_SANDBOX_ATTEMPT]: String(m.attempt ?? 0),
      [LABEL_SHIM]: this.d.shimId,
    });
    const network = this.d.network?.networkName;
    const id = await this.d.engine.create(sandboxCreateOptions(name, this.d.pauseImage, cfg, labels, network));
    try {
      await this.d.engine.start(id);
      // On a user-defined network Docker points resolv.conf at its embedded DNS (127.0.0.11);
      // pods must see the cluster DNS itself, as on the default bridge and in pooled sandboxes.
      const conf = network && !cfg.linux?.security_context?.host_network ? resolvConf(cfg.dns_config) : undefined;
      if (conf) await writeFile((await this.d.engine.inspect(id)).ResolvConfPath, conf);
    } catch (err) {
      await this.d.engine.remove(id).catch(() => undefined);
      throw err;
    }
    return id;
  }

  /** Turns a running pool container into this pod's sandbox: record, rename, fix the network files. */
  private async claim(id: string, name: string, cfg: PodSandboxConfig): Promise<void> {
    const info = await this.d.engine.inspect(id);
    const hostname = cfg.hostname && cfg.hostname !== info.Config.Hostname ? cfg.hostname : "";
    await this.d.store.put(id, {
      labels: cfg.labels ?? {},
      annotations: cfg.annotations ?? {},
      createdAt: Date.now() * 1e6,
      hostname,
      attempt: cfg.metadata.attempt ?? 0,
    });
    await this.d.engine.rename(id, name);
    const conf = resolvConf(cfg.dns_config);
    if (conf) await writeFile(info.ResolvConfPath, conf);
    if (hostname) {
      await writeFile(info.HostnamePath, hostname + "\n");
      const hosts = await readFile(info.HostsPath, "utf8");
      const ip = containerIP(info);
      const rest = hosts.split("\n").filter((l) => !(ip && l.startsWith(ip + "\t")) && l !== "");
      await writeFile(info.HostsPath, [...rest, ...(ip ? [`${ip}\t${hostname}`] : [])].join("\n") + "\n");
    }
  }

  async stop(id: string, stopContainers: (sandboxId: string) => Promise<void>): Promise<void> {
    await stopContainers(id);
    try {
      await this.d.engine.stop(id, 0);
    } catch (err) {
      if (isDockerNotFound(err) || (err as { statusCode?: number }).statusCode === 304) return;
      throw err;
    }
  }

  async remove(id: string, removeContainers: (sandboxId: string) => Promise<void>): Promise<void> {
    await removeContainers(id);
    try {
      await this.d.engine.remove(id);
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
    }
    await this.d.store.delete(id);
  }

  async status(id: string): Promise<PodSandboxStatus> {
    const info = await this.inspectSandbox(id);
    const rec = await this.record({
      Id: info.Id,
      Names: [info.Name],
      Labels: info.Config.Labels ?? {},
      State: info.State.Status,
      Created: Math.floor(toNanos(info.Created) / 1e9),
    } as unknown as ContainerSummary, toNanos(info.Created));
    if (!rec) throw notFound(`pod sandbox ${id} not found (not a sandbox)`);
    const ip = containerIP(info);
    return { ...stripHost(rec), network: { ip, additional_ips: [] } };
  }

  async list(filter?: PodSandboxFilter | null): Promise<PodSandbox[]> {
    const all = await this.d.engine.list([LABEL_TYPE, shimLabel(this.d.shimId)]);
    const out: PodSandbox[] = [];
    for (const c of all) {
      if (filter?.id && !c.Id.startsWith(filter.id)) continue;
      const rec = await this.record(c);
      if (!rec) continue;
      if (filter?.state && rec.state !== filter.state.state) continue;
      if (!matchesSelector(rec.labels, filter?.label_selector)) continue;
      out.push(stripHost(rec));
    }
    return out;
  }

  /** The sandbox record of one container summary; undefined for app containers and idle pool ones. */
  async record(c: ContainerSummary, createdNs?: number): Promise<SandboxRecord | undefined> {
    const type = c.Labels?.[LABEL_TYPE];
    const state = c.State === "running" ? "SANDBOX_READY" : "SANDBOX_NOTREADY";
    if (type === "sandbox") {
      const l = c.Labels;
      const metadata: PodSandboxMetadata = { name: l[LABEL_POD_NAME], namespace: l[LABEL_POD_NAMESPACE], uid: l[LABEL_POD_UID], attempt: Number(l[LABEL_SANDBOX_ATTEMPT] ?? 0) };
      const { labels, annotations } = fromDockerLabels(l);
      return { id: c.Id, metadata, state, created_at: createdNs ?? c.Created * 1e9, labels, annotations };
    }
    if (type !== "pool" || c.Names.some(isPoolName)) return undefined;
    const parsed = c.Names.map(parseName).find((p) => p);
    if (!parsed) return undefined;
    const info = await this.d.store.get(c.Id);
    const metadata = { ...parsed.pod, attempt: info?.attempt ?? parsed.attempt };
    return {
      id: c.Id,
      metadata,
      state,
      created_at: info?.createdAt ?? createdNs ?? c.Created * 1e9,
      labels: { ...(info?.labels ?? {}), ...podLabels(metadata) },
      annotations: info?.annotations ?? {},
      ...(info?.hostname && { hostname: info.hostname }),
    };
  }

  /** Docker's inspect of a sandbox, with a missing one as CRI NOT_FOUND. */
  private async inspectSandbox(id: string): ReturnType<Engine["inspect"]> {
    try {
      return await this.d.engine.inspect(id);
    } catch (err) {
      if (isDockerNotFound(err)) throw notFound(`pod sandbox ${id} not found`);
      throw err;
    }
  }

  /** The pod's metadata and (for pooled sandboxes) the hostname containers must get. */
  async lookup(id: string): Promise<SandboxRecord> {
    // One inspect, not a list of every container: this runs for each CreateContainer.
    const info = await this.inspectSandbox(id);
    const labels = info.Config.Labels ?? {};
    const mine = labels[LABEL_SHIM] === this.d.shimId && labels[LABEL_TYPE] !== undefined;
    const summary = { Id: info.Id, Names: [info.Name], Labels: labels, State: info.State.Status, Created: Math.floor(toNanos(info.Created) / 1e9) };
    const rec = mine ? await this.record(summary as unknown as ContainerSummary, toNanos(info.Created)) : undefined;
    if (!rec) throw notFound(`pod sandbox ${id} not found`);
    return rec;
  }

  /** Drops store files of sandboxes that are gone (after a crash between remove and delete). */
  async pruneStore(): Promise<void> {
    const all = await this.d.engine.list([LABEL_TYPE, shimLabel(this.d.shimId)]);
    await this.d.store.prune(new Set(all.map((c) => c.Id)));
  }
}

function podLabels(m: PodSandboxMetadata): Labels {
  return { [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid };
}

function stripHost(rec: SandboxRecord): PodSandbox {
  const { hostname: _h, ...rest } = rec;
  return rest;
}

