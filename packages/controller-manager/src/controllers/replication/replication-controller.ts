/**
 * ReplicationController support: the ReplicaSet controller with a map selector, core/v1
 * owner references and its own event source, as Kubernetes does it.
 */
import { findResource, labelSelectorFromMap, type ReplicationController } from "@kates/api";
import type { ControllerDescriptor } from "../../controller-context.js";
import type { ReplicaSetKind } from "../replicaset/replicaset-controller.js";
import { newReplicaSetLikeController } from "../replicaset/replicaset-descriptor.js";

/** core/v1 ReplicationController as a ReplicaSetKind; a missing selector means the template's labels. */
export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind<ReplicationController> = {
  resource: findResource("", "v1", "replicationcontrollers")!,
  apiVersion: "v1",
  kind: "ReplicationController",
  component: "replication-controller",
  selector: (rc) => labelSelectorFromMap(rc.spec?.selector ?? rc.spec?.template?.metadata?.labels),
};

export const replicationControllerDescriptor: ControllerDescriptor = {
  name: "replicationcontroller",
  create: (ctx) => newReplicaSetLikeController(ctx, REPLICATION_CONTROLLER_KIND),
};
