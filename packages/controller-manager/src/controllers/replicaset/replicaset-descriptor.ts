/** The `replicaset` entry of the controller table: ReplicaSetController on shared informers. */
import { findResource, labelSelectorFromObject, type Pod, type ReplicaSet, type ReplicationController } from "@kates/api";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import { restClientFor } from "../shared/workload-client.js";
import { ReplicaSetController, type ReplicaSetKind } from "./replicaset-controller.js";

/** apps/v1 ReplicaSet as a ReplicaSetKind. */
export const REPLICASET_KIND: ReplicaSetKind<ReplicaSet> = {
  resource: findResource("apps", "v1", "replicasets")!,
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  component: "replicaset-controller",
  selector: (rs) => labelSelectorFromObject(rs.spec?.selector),
};

/** Builds a ReplicaSetController for `kind` from the controller-manager's shared context. */
export function newReplicaSetLikeController<T extends ReplicaSet | ReplicationController>(ctx: ControllerContext, kind: ReplicaSetKind<T>) {
  const controller = new ReplicaSetController<T>({
    kind,
    owners: ctx.informers.informerFor<T>(kind.resource),
    pods: ctx.informers.informerFor<Pod>(findResource("", "v1", "pods")!),
    clientFor: restClientFor(ctx.rest),
    recorder: ctx.recorder(kind.component),
    log: ctx.log,
  });
  return { run: (signal: AbortSignal) => controller.run(signal, ctx.options.workers) };
}

export const replicaSetDescriptor: ControllerDescriptor = {
  name: "replicaset",
  create: (ctx) => newReplicaSetLikeController(ctx, REPLICASET_KIND),
};
