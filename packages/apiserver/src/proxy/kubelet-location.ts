/**
 * Where a pod's kubelet listens, and which container a streaming request means: the
 * lookups kube-apiserver's pod strategy does before proxying log, exec and portforward
 * (LogLocation, ExecLocation, PortForwardLocation), with its error wording.
 */
import { ApiError, BadRequestError, InternalError, type KObject } from "@kates/api";
import type { Registry } from "../registry/registry.js";

/** A kubelet's address. */
export interface KubeletLocation {
  host: string;
  port: number;
}

/** The pod, its kubelet and (when asked for) the resolved container name. */
export interface PodTarget {
  pod: KObject;
  location: KubeletLocation;
  container: string;
}

interface PodShape {
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
}
interface NodeShape {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

const DEFAULT_KUBELET_PORT = 10250;

/** The kubelet endpoint a Node advertises (InternalIP, else Hostname, else ExternalIP). */
export function kubeletLocationOf(node: KObject): KubeletLocation {
  const st = (node as NodeShape).status ?? {};
  const addrs = st.addresses ?? [];
  const pick = ["InternalIP", "Hostname", "ExternalIP"].map((t) => addrs.find((a) => a.type === t && a.address)).find(Boolean);
  if (!pick) throw new InternalError(`no preferred addresses found; known addresses: ${JSON.stringify(addrs)}`);
  return { host: pick.address, port: st.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT };
}

/**
 * Resolves pod → node → kubelet. `container` empty means the pod's only/first container, as
 * Kubernetes defaults it; names of init and ephemeral containers are accepted too.
 */
export async function resolvePodTarget(pods: Registry, nodes: Registry, namespace: string, name: string, container: string | undefined): Promise<PodTarget> {
  const pod = await pods.get(namespace, name);
  const spec = (pod as PodShape).spec ?? {};
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  let chosen = container ?? "";
  if (!chosen) {
    if ((spec.containers ?? []).length === 0) throw new BadRequestError(`a container name must be specified for pod ${name}`);
    chosen = spec.containers![0]!.name;
  } else if (!all.includes(chosen)) {
    throw new BadRequestError(`container ${chosen} is not valid for pod ${name}`);
  }
  if (!spec.nodeName) throw new BadRequestError(`pod ${name} does not have a host assigned`);
  let node: KObject;
  try {
    node = await nodes.get(undefined, spec.nodeName);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw new BadRequestError(`node ${spec.nodeName} of pod ${name} not found`);
    throw err;
  }
  return { pod, location: kubeletLocationOf(node), container: chosen };
}
