/**
 * NodeIpamController gives every Node a podCIDR from the cluster CIDR (--cluster-cidr split
 * into --node-cidr-mask-size blocks), for the pod network to route by.
 *
 * Primary: Nodes. Triggers: node add/update (a node without spec.podCIDR gets the first free
 * block, written as spec.podCIDR and spec.podCIDRs) and delete (its block is freed). Blocks
 * already in Nodes are recorded from the informer's initial list before any worker runs, so
 * a restarted or newly elected controller-manager never hands out a block twice.
 */
import { isNotFound, RESOURCES, type Node } from "@kates/api";
import { objectKey, runWorkers, waitForCacheSync, WorkQueue, type EventRecorder, type Informer } from "@kates/client";
import type { Logger } from "@kates/component-base";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { CidrAllocator } from "./cidr-allocator.js";

const NODES = RESOURCES.find((ri) => ri.resource === "nodes")!;

/** The node IPAM controller (see the file header). */
export class NodeIpamController implements Controller {
  private readonly queue = new WorkQueue<string>();
  private readonly nodes: Informer<Node>;
  private readonly allocator: CidrAllocator;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.log;
    this.recorder = ctx.recorder("node-ipam-controller");
    this.allocator = new CidrAllocator(ctx.options.clusterCIDR, ctx.options.nodeCIDRMaskSize);
    this.nodes = ctx.informers.informerFor<Node>(NODES);
    this.nodes.on("add", (n) => this.observe(n));
    this.nodes.on("update", (_old, n) => this.observe(n));
    this.nodes.on("delete", (n) => {
      const cidr = n.spec?.podCIDR;
      if (cidr) this.allocator.release(cidr, n.metadata.name!);
    });
  }

  private observe(node: Node): void {
    const cidr = node.spec?.podCIDR;
    if (cidr) {
      if (!this.allocator.occupy(cidr, node.metadata.name!)) {
        this.log.warn({ node: node.metadata.name, podCIDR: cidr, holder: this.allocator.holder(cidr) }, "node's podCIDR is outside the cluster CIDR or held by another node");
      }
      return;
    }
    this.queue.add(objectKey(node));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.nodes))) return;
    // One worker: allocation must see every block taken so far.
    await runWorkers(this.queue, 1, (key) => this.syncNode(key), signal, this.log);
  }

  /** Assigns a podCIDR to a node that has none. */
  async syncNode(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    if (!node || node.spec?.podCIDR || node.metadata.deletionTimestamp) return;
    let cidr: string;
    try {
      cidr = this.allocator.allocate(name);
    } catch (err) {
      // As Kubernetes: no event per successful assignment (1,000 nodes would mean 1,000
      // writes), one when the range is exhausted.
      this.recorder.event(node, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`);
      throw err;
    }
    try {
      await this.ctx.rest.resource<Node>(NODES).patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, "merge");
      this.log.info({ node: name, podCIDR: cidr }, "assigned podCIDR");
    } catch (err) {
      this.allocator.release(cidr, name);
      if (!isNotFound(err)) throw err;
    }
  }
}
