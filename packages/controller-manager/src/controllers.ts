/**
 * The descriptor table of every controller the controller-manager runs, in the order they
 * start. Adding a controller: write it under controllers/<name>/, then add one line here.
 */
import type { ControllerDescriptor } from "./controller-context.js";
import { GarbageCollectorController } from "./controllers/garbagecollector/garbagecollector-controller.js";
import { NamespaceController } from "./controllers/namespace/namespace-controller.js";
import { NodeIpamController } from "./controllers/nodeipam/nodeipam-controller.js";
import { NodeLifecycleController } from "./controllers/nodelifecycle/nodelifecycle-controller.js";
import { ServiceAccountController } from "./controllers/serviceaccount/serviceaccount-controller.js";
import { replicaSetDescriptor } from "./controllers/replicaset/replicaset-descriptor.js";
import { deploymentDescriptor } from "./controllers/deployment/deployment-descriptor.js";
import { replicationControllerDescriptor } from "./controllers/replication/replication-controller.js";
import { jobDescriptor } from "./controllers/job/job-controller.js";
import { cronJobDescriptor } from "./controllers/cronjob/cronjob-controller.js";
import { daemonSetDescriptor } from "./controllers/daemonset/daemonset-controller.js";
import { statefulSetDescriptor } from "./controllers/statefulset/statefulset-controller.js";
import { volumeDescriptor } from "./controllers/volume/volume-controller.js";
import { EndpointsController } from "./controllers/endpoints/endpoints-controller.js";
import { EndpointSliceController } from "./controllers/endpointslice/endpointslice-controller.js";
import { ServiceLBController } from "./controllers/servicelb/servicelb-controller.js";

export const CONTROLLERS: ControllerDescriptor[] = [
  { name: "garbagecollector", create: (ctx) => new GarbageCollectorController(ctx) },
  { name: "namespace", create: (ctx) => new NamespaceController(ctx) },
  { name: "nodelifecycle", create: (ctx) => new NodeLifecycleController(ctx) },
  { name: "nodeipam", create: (ctx) => new NodeIpamController(ctx) },
  { name: "serviceaccount", create: (ctx) => new ServiceAccountController(ctx) },
  replicaSetDescriptor,
  replicationControllerDescriptor,
  deploymentDescriptor,
  jobDescriptor,
  cronJobDescriptor,
  daemonSetDescriptor,
  statefulSetDescriptor,
  volumeDescriptor,
  { name: "endpoints", create: (ctx) => new EndpointsController(ctx) },
  { name: "endpointslice", create: (ctx) => new EndpointSliceController(ctx) },
  { name: "service-lb", create: (ctx) => new ServiceLBController(ctx) },
];

/** Applies --controllers semantics: "*" enables all, "name" one, "-name" disables one. */
export function enabledControllers(all: ControllerDescriptor[], selection: string[]): ControllerDescriptor[] {
  const star = selection.includes("*");
  return all.filter((d) => !selection.includes(`-${d.name}`) && (star || selection.includes(d.name)));
}
