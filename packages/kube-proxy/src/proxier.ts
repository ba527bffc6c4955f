/** What the controller drives: one of the two proxy modes. */
import type { ServicePortInfo } from "./types.js";

/** The outcome of one sync, for logs, /healthz and /metrics. */
export interface SyncOutcome {
  /** False when the kernel (or the listeners) already matched and nothing was written. */
  applied: boolean;
  /** A periodic check found the kernel state drifted from ours and re-applied it. */
  repaired?: boolean;
  /** Size of the written change, e.g. chains rewritten. */
  detail?: Record<string, number | string>;
}

/** A proxy mode: makes the node answer for the given Service ports. */
export interface Proxier {
  readonly mode: "iptables" | "userspace";
  /** Brings the node in line with `ports`; `resync` asks to verify and repair the kernel state too. */
  sync(ports: ServicePortInfo[], nodeAddresses: string[], resync: boolean): Promise<SyncOutcome>;
  /** Stops on SIGTERM. iptables rules stay (traffic keeps flowing across a restart); userspace listeners cannot. */
  close(): Promise<void>;
}
