/**
 * core/v1 (the legacy "" group): the messages of core-v1-*.ts gathered into one package.
 */
import type { PackageDef } from "./dsl.js";
import { corePodMessages } from "./core-v1-pod.js";
import { coreContainerMessages } from "./core-v1-container.js";
import { coreServiceMessages } from "./core-v1-service.js";
import { coreClusterMessages } from "./core-v1-cluster.js";

export const coreV1: PackageDef = {
  alias: "core",
  apiVersion: "v1",
  openapiPrefix: "io.k8s.api.core.v1",
  kinds: [
    "Pod", "Service", "ReplicationController", "Endpoints", "Node", "Namespace", "Event", "ConfigMap", "Secret",
    "PersistentVolume", "PersistentVolumeClaim", "ServiceAccount", "Binding",
  ],
  messages: { ...corePodMessages, ...coreContainerMessages, ...coreServiceMessages, ...coreClusterMessages },
};
