// Shared setup of the `kubectl rollout history/undo` e2e tests: the lightest harness that keeps
// ControllerRevisions is one etcd, one apiserver and the one workload controller in-process.
// No scheduler or kubelet: the tests assert on specs and revisions, not on running pods.
import { newLogger } from "@kates/component-base";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl, type KubectlResult } from "../../harness/kubectl.js";
import { run } from "../../../packages/controller-manager/src/controller-manager.js";
import { ok } from "./helpers.js";

/** A control plane running one controller, with kubectl bound to it. */
export interface RolloutPlane {
  cp: ControlPlane;
  /** Runs kubectl with a request timeout so a hung request fails the test, not the suite. */
  k(...args: string[]): Promise<KubectlResult>;
  /** `kubectl apply -f -` of `text`. */
  apply(text: string): Promise<KubectlResult>;
  /** [name, revision] of the ControllerRevisions matching `selector`, sorted by revision. */
  revisions(selector: string): Promise<[string, number][]>;
  stop(): Promise<void>;
}

/** Starts a 1-member etcd, an apiserver and the controller-manager running only `controller`. */
export async function startRolloutPlane(name: string, controller: string): Promise<RolloutPlane> {
  const cp = await startControlPlane({ name, etcdMembers: 1 });
  const stopCM = new AbortController();
  const cmDone = run({
    server: cp.url, healthPort: 0, bindAddress: "127.0.0.1", leaderElect: false,
    leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000,
    controllers: [controller], workers: 1,
    nodeMonitorGracePeriodMs: 4000, nodeMonitorPeriodMs: 1000, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24,
  }, newLogger("kates-controller-manager", "warn"), stopCM.signal);
  const k = (...args: string[]) => kubectl(["--request-timeout=20s", ...args], { server: cp.url, timeoutMs: 45_000 });
  return {
    cp,
    k,
    apply: (text) => kubectl(["--request-timeout=20s", "apply", "-f", "-"], { server: cp.url, input: text, timeoutMs: 45_000 }),
    async revisions(selector) {
      const list = JSON.parse(ok(await k("get", "controllerrevisions", "-l", selector, "-o", "json")));
      return list.items.map((r: { metadata: { name: string }; revision: number }) => [r.metadata.name, r.revision] as [string, number]).sort((a: [string, number], b: [string, number]) => a[1] - b[1]);
    },
    async stop() {
      stopCM.abort();
      await cmDone.catch(() => {});
      await cp.stop();
    },
  };
}

/** Polls `fn` until it returns something truthy, which it returns. */
export async function until<T>(what: string, fn: () => Promise<T | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `kubectl rollout history <ref>` as rows of whitespace-separated fields. */
export const historyRows = (out: string): string[][] => out.trim().split("\n").map((l) => l.trim().split(/\s+/));
