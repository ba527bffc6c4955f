/** Registering a Node: create it, or take over an existing one and refresh its labels and status. */
import { isAlreadyExists, isConflict, type Node } from "@kates/api";
import type { ResourceClient } from "@kates/client";
import { mergeConditions } from "./node-status.js";

/**
 * Creates `desired`, or, when a Node of that name exists (a restarted kubelet), merges our
 * labels into it and replaces its status, keeping condition transition times. Returns the
 * stored Node.
 */
export async function registerNode(client: ResourceClient<Node>, desired: Node, signal?: AbortSignal): Promise<Node> {
  try {
    return await client.create(desired, { signal });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      let node = await client.get(desired.metadata.name!, { signal });
      const labels = { ...node.metadata.labels, ...desired.metadata.labels };
      if (Object.entries(desired.metadata.labels ?? {}).some(([k, v]) => node.metadata.labels?.[k] !== v)) {
        node = await client.update({ ...node, metadata: { ...node.metadata, labels } }, { signal });
      }
      return await updateNodeStatus(client, node, desired.status!, signal);
    } catch (err) {
      if (!isConflict(err) || attempt >= 4) throw err;
    }
  }
}

/** Writes `status` (conditions merged with the stored ones) through the status subresource. */
export async function updateNodeStatus(client: ResourceClient<Node>, node: Node, status: NonNullable<Node["status"]>, signal?: AbortSignal): Promise<Node> {
  const next = structuredClone(node);
  next.status = { ...next.status, ...status, conditions: mergeConditions(node.status?.conditions, status.conditions ?? []) };
  return client.updateStatus(next, { signal });
}
