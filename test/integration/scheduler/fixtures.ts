/** Shared helpers of the scheduler integration tests: hollow nodes, pods, and polling. */
import { findResource, type Event, type Node, type Pod } from "@kates/api";
import type { RestClient } from "@kates/client";
import { startHollowNodes } from "../../../packages/kubelet/src/hollow.js";

export const podsRI = findResource("", "v1", "pods")!;
export const nodesRI = findResource("", "v1", "nodes")!;
export const eventsRI = findResource("", "v1", "events")!;

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Hollow nodes started by a test, stopped and deleted by `cleanup`. */
export class TestNodes {
  private readonly controllers: AbortController[] = [];
  private readonly names: string[] = [];

  constructor(private readonly rest: RestClient) {}

  async add(names: string[], opts: { cpu?: string; memory?: string; pods?: number } = {}): Promise<void> {
    const ac = new AbortController();
    this.controllers.push(ac);
    this.names.push(...names);
    await startHollowNodes({ server: this.rest.config.server, nodeNames: names, ...opts, signal: ac.signal });
  }

  async patch(name: string, patch: unknown): Promise<Node> {
    return this.rest.resource<Node>(nodesRI).patch(name, patch, "merge");
  }

  async cleanup(): Promise<void> {
    for (const ac of this.controllers) ac.abort();
    this.controllers.length = 0;
    await Promise.all(this.names.map((n) => this.rest.resource<Node>(nodesRI).delete(n).catch(() => undefined)));
    this.names.length = 0;
  }
}

export function pod(name: string, opts: { cpu?: string; nodeSelector?: Record<string, string>; tolerations?: Pod["spec"] extends infer S ? S extends { tolerations?: infer T } ? T : never : never; owner?: { name: string; uid: string } } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: { app: name.replace(/-\d+$/, "") },
      ...(opts.owner && { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: opts.owner.name, uid: opts.owner.uid, controller: true, blockOwnerDeletion: true }] }),
    },
    spec: {
      containers: [{ name: "c", image: "nginx:1.24.0", ...(opts.cpu && { resources: { requests: { cpu: opts.cpu } } }) }],
      ...(opts.nodeSelector && { nodeSelector: opts.nodeSelector }),
      ...(opts.tolerations && { tolerations: opts.tolerations }),
    },
  };
}

export async function boundNode(rest: RestClient, ns: string, name: string, timeoutMs = 15_000): Promise<string> {
  return eventually(async () => (await rest.resource<Pod>(podsRI, ns).get(name)).spec?.nodeName, timeoutMs, `pod ${ns}/${name} to be bound`);
}

export async function eventsFor(rest: RestClient, ns: string, name: string): Promise<Event[]> {
  const list = await rest.resource<Event>(eventsRI, ns).list({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
