/**
 * Event wiring both endpoint controllers share: services enqueue themselves, and a pod
 * change enqueues every service in its namespace that selects it, by old or new labels.
 */
import type { Pod, Service } from "@kates/api";
import { objectKey, type Informer, type WorkQueue } from "@kates/client";
import { selects } from "./endpoints-utils.js";

/** Registers service and pod handlers that add service keys to `queue`. */
export function wireServiceTriggers(services: Informer<Service>, pods: Informer<Pod>, queue: WorkQueue<string>): void {
  services.on("add", (svc) => queue.add(objectKey(svc)));
  services.on("update", (_old, svc) => queue.add(objectKey(svc)));
  services.on("delete", (svc) => queue.add(objectKey(svc)));
  const enqueueFor = (pod: Pod, oldLabels?: Record<string, string>) => {
    for (const svc of services.lister.list(pod.metadata.namespace ?? "")) {
      if (selects(svc, pod.metadata.labels) || (oldLabels && selects(svc, oldLabels))) queue.add(objectKey(svc));
    }
  };
  pods.on("add", (pod) => enqueueFor(pod));
  pods.on("update", (old, pod) => {
    if (old.metadata.resourceVersion !== pod.metadata.resourceVersion) enqueueFor(pod, old.metadata.labels);
  });
  pods.on("delete", (pod) => enqueueFor(pod));
}
