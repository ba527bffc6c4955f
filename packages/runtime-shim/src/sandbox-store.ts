/**
 * Pod metadata of sandboxes that Docker labels cannot hold. A fresh sandbox carries all of
 * it in labels; a pooled one was created before its pod existed and labels never change, so
 * its identity lives in its (renamed) container name and its labels and annotations in a
 * small JSON file per sandbox under the state dir. A restarted shim reads both back.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Labels } from "@kates/cri-api";

/** What a pooled sandbox's file records. */
export interface PooledSandboxInfo {
  labels: Labels;
  annotations: Labels;
  /** When it was claimed (ns): the pod's sandbox creation time, not the pool container's. */
  createdAt: number;
  hostname: string;
  attempt: number;
}

export class SandboxStore {
  private readonly dir: string;
  private readonly cache = new Map<string, PooledSandboxInfo | null>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "sandboxes");
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async put(id: string, info: PooledSandboxInfo): Promise<void> {
    const file = path.join(this.dir, `${id}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(info));
    await rename(`${file}.tmp`, file);
    this.cache.set(id, info);
  }

  /** The record of a pooled sandbox, or undefined (never pooled, or its file is lost). */
  async get(id: string): Promise<PooledSandboxInfo | undefined> {
    if (this.cache.has(id)) return this.cache.get(id) ?? undefined;
    try {
      const info = JSON.parse(await readFile(path.join(this.dir, `${id}.json`), "utf8")) as PooledSandboxInfo;
      this.cache.set(id, info);
      return info;
    } catch {
      return undefined;
    }
  }

  async delete(id: string): Promise<void> {
    this.cache.delete(id);
    await rm(path.join(this.dir, `${id}.json`), { force: true });
  }

  /** Deletes files of sandboxes that no longer exist. */
  async prune(liveIds: Set<string>): Promise<void> {
    for (const f of await readdir(this.dir).catch(() => [] as string[])) {
      const id = f.replace(/\.json(\.tmp)?$/, "");
      if (!liveIds.has(id)) await rm(path.join(this.dir, f), { force: true });
    }
  }
}
