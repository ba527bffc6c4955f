/** kube-proxy from dist/ as a process in a NetnsLab's node namespace, and waiting on it in tests. */
import { resolve } from "node:path";
import { REPO_ROOT } from "../../harness/apiserver.js";
import type { EndpointSlice } from "@kates/api";
import type { ResourceClient } from "@kates/client";
import type { LabProcess, NetnsLab } from "./netns-lab.js";

/** packages/kube-proxy/dist/main.js */
export const KUBE_PROXY_MAIN = resolve(REPO_ROOT, "packages/kube-proxy/dist/main.js");

/** Starts kube-proxy for `nodeName` with no sync spacing (tests want every change at once). */
export function spawnKubeProxy(lab: NetnsLab, apiUrl: string, nodeName: string, extra: string[]): LabProcess {
  return lab.spawnIn(lab.node, [process.execPath, "--enable-source-maps", KUBE_PROXY_MAIN, "--server", apiUrl, "--hostname-override", nodeName, "--min-sync-period", "0", ...extra]);
}

/**
 * Polls `fn` until it returns something other than undefined/false (errors count as "not yet");
 * on timeout the error carries the last failure and kube-proxy's recent output.
 */
export async function untilProxy<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string, proxy: LabProcess | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const state = proxy ? `exit ${proxy.child.exitCode ?? proxy.child.signalCode}` : "not running";
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}\nkube-proxy (${state}) output:\n${proxy?.output.toString().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes `body` as the EndpointSlice of its name: replaces the existing one (keeping its metadata) or creates it. */
export async function upsertSlice(slices: ResourceClient<EndpointSlice>, body: EndpointSlice): Promise<void> {
  try {
    const cur = await slices.get(body.metadata.name!);
    await slices.update({ ...body, metadata: { ...cur.metadata, labels: body.metadata.labels } });
  } catch {
    await slices.create(body);
  }
}
