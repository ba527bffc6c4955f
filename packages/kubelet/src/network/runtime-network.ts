/**
 * The kubelet's side of the pod network handshake with the runtime, as real kubelets do it:
 * once our Node has spec.podCIDR, hand it to the runtime (UpdateRuntimeConfig) and read back
 * its NetworkReady condition. Until then the network is not ready: new pod sandboxes wait and
 * the Node reports Ready=False (NetworkPluginNotReady).
 */
import type { Node } from "@kates/api";
import type { Logger } from "@kates/component-base";
import type { RuntimeService } from "../cri/runtime-client.js";

/** Tracks whether pods can get sandboxes on the pod network. */
export class RuntimeNetwork {
  ready = false;
  message = "waiting for the node's spec.podCIDR";
  private configured?: string;
  private inFlight?: Promise<void>;

  constructor(private readonly runtime: RuntimeService, private readonly log: Logger, private readonly onReady: () => void) {}

  /** Brings the runtime in line with `node` (our Node; undefined until seen); one call at a time. */
  sync(node: Node | undefined, agentReady: boolean): Promise<void> {
    this.inFlight ??= this.apply(node, agentReady).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Node Ready's message when the network holds it back (Kubernetes' wording). */
  notReadyMessage(): string {
    return `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${this.message}`;
  }

  private async apply(node: Node | undefined, agentReady: boolean): Promise<void> {
    const was = this.ready;
    const cidr = node?.spec?.podCIDR ?? node?.spec?.podCIDRs?.[0];
    try {
      if (!cidr) return this.set(false, "waiting for the node's spec.podCIDR");
      if (!this.runtime.updateRuntimeConfig || !this.runtime.status) return this.set(false, "the runtime has no pod network support");
      let net = (await this.runtime.status()).conditions.find((c) => c.type === "NetworkReady");
      // A restarted runtime may have lost its network, or the CIDR changed: (re)configure.
      if (this.configured !== cidr || !net?.status) {
        await this.runtime.updateRuntimeConfig(cidr);
        if (this.configured !== cidr) this.log.info({ podCIDR: cidr }, "pod CIDR handed to the runtime");
        this.configured = cidr;
        net = (await this.runtime.status()).conditions.find((c) => c.type === "NetworkReady");
      }
      if (!net?.status) return this.set(false, net?.message || "the runtime reports NetworkReady=false");
      if (!agentReady) return this.set(false, "the host-gw agent has not programmed this node yet");
      this.set(true, "");
    } catch (err) {
      this.set(false, `configuring the runtime's pod network: ${(err as Error).message}`);
    } finally {
      if (this.ready && !was) this.onReady();
    }
  }

  private set(ready: boolean, message: string): void {
    if (ready !== this.ready || message !== this.message) this.log.info({ ready, message }, "pod network status");
    this.ready = ready;
    this.message = message;
  }
}
