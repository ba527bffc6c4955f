/**
 * The node heartbeat: a coordination.k8s.io Lease named after the node in kube-node-lease,
 * whose renewTime the node lifecycle controller watches (lab-tuned: renewed every second,
 * leaseDurationSeconds 4).
 */
import { isAlreadyExists, isConflict, isNotFound, type Lease } from "@kates/api";
import type { ResourceClient } from "@kates/client";

/** The namespace node leases live in. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** metav1.MicroTime: RFC3339 with microseconds. */
export function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** One node's Lease, kept between renewals so that a renewal is a single PUT. */
export class NodeLease {
  private lease?: Lease;

  constructor(
    private readonly client: ResourceClient<Lease>,
    readonly nodeName: string,
    private readonly durationSeconds = 4,
    private nodeUid?: string,
  ) {}

  /** Records the Node's uid so the Lease is owned by (and garbage-collected with) it. */
  setNodeUid(uid: string | undefined): void {
    this.nodeUid = uid;
  }

  /** Creates or renews the Lease; one retry after a conflict with a fresh copy. */
  async renew(signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.renewOnce(signal);
        return;
      } catch (err) {
        this.lease = undefined;
        if (attempt >= 1 || !(isConflict(err) || isAlreadyExists(err))) throw err;
      }
    }
  }

  private async renewOnce(signal?: AbortSignal): Promise<void> {
    const now = microTime();
    if (!this.lease) {
      try {
        this.lease = await this.client.get(this.nodeName, { signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.lease = await this.client.create(this.fresh(now), { signal });
        return;
      }
    }
    const next: Lease = structuredClone(this.lease);
    next.spec = { ...next.spec, holderIdentity: this.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: now };
    if (this.nodeUid && !next.metadata.ownerReferences?.length) next.metadata.ownerReferences = this.ownerRefs();
    this.lease = await this.client.update(next, { signal });
  }

  private fresh(now: string): Lease {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE, ...(this.nodeUid && { ownerReferences: this.ownerRefs() }) },
      spec: { holderIdentity: this.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: now, acquireTime: now },
    };
  }

  private ownerRefs() {
    return [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: this.nodeUid! }];
  }
}
