/**
 * What every controller gets: the shared REST client and informer factory (one list+watch
 * per resource for the whole process), an event recorder per controller, a child logger,
 * and the controller-manager's options.
 */
import type { Logger } from "@kates/component-base";
import { EventRecorder, InformerFactory, RestClient } from "@kates/client";

export interface ControllerManagerOptions {
  /** Worker count per controller (--concurrent-syncs). */
  workers: number;
  /** Node lifecycle: how long a node Lease may go unrenewed before the node is Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** Node lifecycle: how often node health is checked. */
  nodeMonitorPeriodMs: number;
  /** Node IPAM: the cluster's pod network, split into per-node podCIDRs. */
  clusterCIDR: string;
  /** Node IPAM: prefix length of each node's podCIDR. */
  nodeCIDRMaskSize: number;
  /** Service LB: --load-balancer-ip-pool (CIDR or A-B); empty or unset: LoadBalancer Services stay pending. */
  loadBalancerIPPool?: string;
  /** EndpointSlice: endpoints per slice (--max-endpoints-per-slice, 1..1000); unset: 100. */
  maxEndpointsPerSlice?: number;
  /**
   * Endpoints: addresses per Endpoints object before truncation; unset: Kubernetes' fixed 1000.
   * Not a flag (Kubernetes has none); lowered in-process by tests only.
   */
  endpointsMaxCapacity?: number;
  /** Controllers to run: names, "*" for all, "-name" to disable one (as --controllers does). */
  controllers: string[];
}

export interface ControllerContext {
  rest: RestClient;
  informers: InformerFactory;
  options: ControllerManagerOptions;
  log: Logger;
  /** An EventRecorder whose source.component is the controller's name, e.g. "deployment-controller". */
  recorder(component: string): EventRecorder;
}

/** A controller: `start` wires informers and returns a promise that settles after signal aborts. */
export interface Controller {
  run(signal: AbortSignal): Promise<void>;
}

export interface ControllerDescriptor {
  /** As in kube-controller-manager's --controllers: "replicaset", "deployment", ... */
  name: string;
  /** Builds the controller; called before informers start so it can register handlers. */
  create(ctx: ControllerContext): Controller;
}

export function newControllerContext(rest: RestClient, options: ControllerManagerOptions, log: Logger): ControllerContext {
  return {
    rest,
    informers: new InformerFactory(rest, { logger: log }),
    options,
    log,
    recorder: (component) => new EventRecorder(rest, { component }, log),
  };
}
