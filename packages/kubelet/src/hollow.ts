/**
 * Hollow nodes (like kubemark or kwok): Nodes that register, heartbeat and report their
 * pods Running without any runtime, so one process can stand in for hundreds of nodes in
 * control-plane scale tests. All hollow nodes of a process share one RestClient, one pod
 * informer (every bound pod, filtered client-side: a field selector per node would be one
 * watch per node) and one node informer, and write through bounded worker pools.
 */
import { findResource, isConflict, isNotFound, type Lease, type Node, type Pod } from "@kates/api";
import { Informer, RestClient, WorkQueue, objectKey, runWorkers, splitKey } from "@kates/client";
import { newLogger, type Logger } from "@kates/component-base";
import { sleep } from "@kates/component-base";
import { hollowPodStatus, needsHollowStatus } from "./hollow-pod-status.js";
import { NODE_LEASE_NAMESPACE, NodeLease } from "./node-lease.js";
import { registerNode, updateNodeStatus } from "./node-registration.js";
import { buildNode, nodeStatus, type NodeDescription } from "./node-status.js";
import { PodIPAllocator, hollowNodeIP } from "./pod-ip.js";

/** Options of {@link startHollowNodes}. */
export interface HollowNodesOptions {
  /** apiserver URL, or a RestClient to share. */
  server: string | RestClient;
  /** Nodes are named `${namePrefix}-0` .. `${namePrefix}-${count-1}`. */
  namePrefix?: string;
  count?: number;
  /** Exact node names; overrides namePrefix and count. */
  nodeNames?: string[];
  /** Capacity per node (defaults "4", "16Gi", 110). */
  cpu?: string;
  memory?: string;
  pods?: number;
  /** Lease renewal interval (default 1000 ms); leaseDurationSeconds is 4. */
  leaseRenewMs?: number;
  /** Concurrent status and delete writes (default 16). */
  workers?: number;
  /** Port reported as the kubelet endpoint (default 10250). */
  kubeletPort?: number;
  log?: Logger;
  signal: AbortSignal;
}

/** Running hollow nodes. */
export interface HollowNodes {
  nodeNames: string[];
  /** Resolves once the signal aborted and every loop has stopped. */
  done: Promise<void>;
}

interface HollowNode {
  index: number;
  desc: NodeDescription;
  lease: NodeLease;
  ips: PodIPAllocator;
}

/** Runs `limit` at a time of `fn` over `items`. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Registers the hollow nodes, then keeps their Leases renewed and their bound pods Running
 * until `signal` aborts. Resolves once every node is registered and the pod informer synced.
 */
export async function startHollowNodes(opts: HollowNodesOptions): Promise<HollowNodes> {
  const log = opts.log ?? newLogger("kates-kubelet", "silent");
  const { signal } = opts;
  const ownsRest = typeof opts.server === "string";
  // A hollow process speaks for many kubelets, so it gets a correspondingly larger client budget.
  const rest = typeof opts.server === "string" ? new RestClient({ server: opts.server, userAgent: "kates-kubelet/hollow", qps: 2000, burst: 4000 }) : opts.server;
  const names = opts.nodeNames ?? Array.from({ length: opts.count ?? 1 }, (_, i) => `${opts.namePrefix ?? "hollow-node"}-${i}`);
  const nodesClient = rest.resource<Node>(findResource("", "v1", "nodes")!);
  const leasesClient = rest.resource<Lease>(findResource("coordination.k8s.io", "v1", "leases")!, NODE_LEASE_NAMESPACE);
  const podsClient = rest.resource<Pod>(findResource("", "v1", "pods")!);
  const capacity = { cpu: opts.cpu ?? "4", memory: opts.memory ?? "16Gi", pods: String(opts.pods ?? 110), "ephemeral-storage": "100Gi" };

  const nodes = new Map<string, HollowNode>();
  names.forEach((name, index) => {
    const desc: NodeDescription = {
      name,
      labels: { "kates.io/hollow": "true" },
      capacity,
      addresses: [{ type: "InternalIP", address: hollowNodeIP(index) }, { type: "Hostname", address: name }],
      kubeletPort: opts.kubeletPort ?? 10250,
      containerRuntimeVersion: "hollow://0",
      kernelVersion: "hollow",
      osImage: "kates hollow node",
    };
    nodes.set(name, { index, desc, lease: new NodeLease(leasesClient, name), ips: new PodIPAllocator(index) });
  });

  await pool([...nodes.values()], 16, async (n) => {
    const stored = await registerNode(nodesClient, buildNode(n.desc, true), signal);
    n.lease.setNodeUid(stored.metadata.uid);
    n.ips.setPodCIDR(stored.spec?.podCIDR);
  });
  log.info({ nodes: names.length }, "hollow nodes registered");

  const nodeInformer = new Informer<Node>(nodesClient, { logger: log.child({ informer: "nodes" }) });
  const podInformer = new Informer<Pod>(podsClient, { fieldSelector: "spec.nodeName!=", logger: log.child({ informer: "pods" }) });
  const podQueue = new WorkQueue<string>();
  const nodeQueue = new WorkQueue<string>();

  const onNode = (node: Node) => {
    const n = nodes.get(node.metadata.name!);
    if (!n) return;
    n.lease.setNodeUid(node.metadata.uid);
    n.ips.setPodCIDR(node.spec?.podCIDR);
    // The node lifecycle controller marks a late node Unknown; a kubelet that is alive says Ready again.
    if (node.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True") nodeQueue.add(node.metadata.name!);
  };
  nodeInformer.on("add", onNode).on("update", (_o, n) => onNode(n));
  const onPod = (pod: Pod) => {
    if (!nodes.has(pod.spec?.nodeName ?? "")) return;
    if (pod.metadata.deletionTimestamp) {
      // A tiny delay so a watcher sees the pod as Terminating before it is gone, as with a real kubelet.
      setTimeout(() => podQueue.add(objectKey(pod)), 20).unref();
    } else if (needsHollowStatus(pod)) podQueue.add(objectKey(pod));
  };
  podInformer.on("add", onPod).on("update", (_o, p) => onPod(p));
  podInformer.on("delete", (pod) => nodes.get(pod.spec?.nodeName ?? "")?.ips.release(pod.metadata.uid ?? ""));

  const syncPod = async (key: string): Promise<void> => {
    const { namespace, name } = splitKey(key);
    for (let attempt = 0; attempt < 5; attempt++) {
      let pod = podInformer.lister.get(namespace, name);
      if (attempt > 0) pod = await podsClient.inNamespace(namespace).get(name, { signal }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      const node = nodes.get(pod?.spec?.nodeName ?? "");
      if (!pod || !node) return;
      try {
        if (pod.metadata.deletionTimestamp) {
          await podsClient.inNamespace(namespace).delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal });
          node.ips.release(pod.metadata.uid ?? "");
          return;
        }
        if (!needsHollowStatus(pod)) return;
        const ip = node.ips.allocate(pod.metadata.uid ?? "", pod.status?.podIP);
        const next = { ...structuredClone(pod), status: hollowPodStatus(pod, ip, node.desc.addresses[0]!.address) };
        await podsClient.inNamespace(namespace).updateStatus(next, { signal });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`pod ${key}: status write kept conflicting`);
  };

  const syncNode = async (name: string): Promise<void> => {
    const n = nodes.get(name);
    const node = nodeInformer.lister.get("", name);
    if (!n || !node) return;
    await updateNodeStatus(nodesClient, node, nodeStatus(n.desc, true), signal).catch((e) => (isConflict(e) ? nodeQueue.add(name) : Promise.reject(e)));
  };

  const renewLeases = async (): Promise<void> => {
    const interval = opts.leaseRenewMs ?? 1000;
    while (!signal.aborted) {
      const start = Date.now();
      await pool([...nodes.values()], 64, async (n) => {
        if (signal.aborted) return;
        await n.lease.renew(signal).catch((err) => {
          if (!signal.aborted) log.warn({ err, node: n.desc.name }, "lease renewal failed");
        });
      });
      await sleep(Math.max(0, interval - (Date.now() - start)), signal);
    }
  };

  const informersDone = Promise.all([nodeInformer.start(signal), podInformer.start(signal)]);
  const leasesDone = renewLeases();
  await Promise.all([nodeInformer.waitForSync(signal), podInformer.waitForSync(signal)]);
  const workers = opts.workers ?? 16;
  const workersDone = Promise.all([
    runWorkers(podQueue, workers, syncPod, signal, log),
    runWorkers(nodeQueue, 2, syncNode, signal, log),
  ]);
  log.info({ nodes: names.length, pods: podInformer.lister.list().length }, "hollow nodes running");

  const done = Promise.all([informersDone, leasesDone, workersDone]).then(() => {
    if (ownsRest) rest.close();
  });
  return { nodeNames: names, done };
}
