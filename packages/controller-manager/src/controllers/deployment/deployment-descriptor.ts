/** The `deployment` entry of the controller table: DeploymentController on shared informers. */
import { findResource, type Deployment, type Pod, type ReplicaSet } from "@kates/api";
import type { ControllerDescriptor } from "../../controller-context.js";
import { restClientFor } from "../shared/workload-client.js";
import { DeploymentController } from "./deployment-controller.js";

export const deploymentDescriptor: ControllerDescriptor = {
  name: "deployment",
  create: (ctx) => {
    const controller = new DeploymentController({
      deployments: ctx.informers.informerFor<Deployment>(findResource("apps", "v1", "deployments")!),
      replicaSets: ctx.informers.informerFor<ReplicaSet>(findResource("apps", "v1", "replicasets")!),
      pods: ctx.informers.informerFor<Pod>(findResource("", "v1", "pods")!),
      clientFor: restClientFor(ctx.rest),
      recorder: ctx.recorder("deployment-controller"),
      log: ctx.log,
    });
    return { run: (signal) => controller.run(signal, ctx.options.workers) };
  },
};
