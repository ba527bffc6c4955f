/**
 * coordination.k8s.io/v1 Lease: node heartbeats and leader election.
 */
import type { KObject } from "../meta.js";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC3339 with microseconds (metav1.MicroTime). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** A coordination.k8s.io/v1 Lease. */
export interface Lease extends KObject {
  apiVersion?: "coordination.k8s.io/v1";
  kind?: "Lease";
  spec?: LeaseSpec;
}
