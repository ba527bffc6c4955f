/**
 * An in-test stand-in for scheduler + kubelet, for controller tests that need pods to
 * become Ready: it binds every pending pod to one node and reports it Running/Ready, except
 * pods whose image ends in `-does-not-exist`, which stay Pending in ImagePullBackOff (the
 * hollow kubelet makes every pod Ready, so it cannot show a stuck rollout). Terminating
 * pods are deleted at once, as a kubelet does after stopping their containers.
 */
import { findResource, isConflict, isNotFound, type Node, type Pod } from "@kates/api";
import { Informer, objectKey, runWorkers, splitKey, WorkQueue, type RestClient } from "@kates/client";

const PODS = findResource("", "v1", "pods")!;
const rfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

function podStatus(pod: Pod): Pod["status"] {
  const broken = (pod.spec?.containers ?? []).some((c) => c.image?.endsWith("-does-not-exist"));
  const now = rfc3339();
  const ready = broken ? "False" : "True";
  return {
    ...pod.status,
    phase: broken ? "Pending" : "Running",
    hostIP: "127.0.0.1",
    podIP: broken ? undefined : `10.244.0.${1 + Math.floor(Math.random() * 250)}`,
    startTime: pod.status?.startTime ?? now,
    conditions: [
      { type: "PodScheduled", status: "True", lastTransitionTime: now },
      { type: "Initialized", status: "True", lastTransitionTime: now },
      { type: "ContainersReady", status: ready, lastTransitionTime: now },
      { type: "Ready", status: ready, lastTransitionTime: now },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? "",
      imageID: broken ? "" : `fake://${c.image}`,
      ready: !broken,
      restartCount: 0,
      started: !broken,
      state: broken ? { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } } : { running: { startedAt: now } },
    })),
  };
}

/** Runs the fake kubelet for node `nodeName` until `signal` aborts. */
export async function startFakeKubelet(rest: RestClient, nodeName: string, signal: AbortSignal): Promise<void> {
  const nodes = rest.resource<Node>(findResource("", "v1", "nodes")!);
  try {
    await nodes.create({ apiVersion: "v1", kind: "Node", metadata: { name: nodeName } } as Node);
  } catch {
    // already registered by an earlier suite step
  }
  const informer = new Informer<Pod>(rest.resource<Pod>(PODS), {});
  const queue = new WorkQueue<string>();
  const enqueue = (p: Pod) => queue.add(objectKey(p));
  informer.on("add", enqueue).on("update", (_o, p) => enqueue(p));
  void informer.start(signal);
  await informer.waitForSync(signal);
  void runWorkers(queue, 4, async (key) => {
    const { namespace, name } = splitKey(key);
    const pod = informer.lister.get(namespace, name);
    if (!pod) return;
    const client = rest.resource<Pod>(PODS, namespace);
    try {
      if (pod.metadata.deletionTimestamp) {
        await client.delete(name, { gracePeriodSeconds: 0 });
      } else if (!pod.spec?.nodeName) {
        await rest.createBinding(namespace, name, nodeName);
      } else if (!pod.status?.startTime) {
        await client.updateStatus({ ...structuredClone(pod), status: podStatus(pod) });
      }
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }, signal);
}
