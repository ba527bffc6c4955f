/**
 * Docker label keys the shim writes, and the conversion between CRI labels/annotations and
 * Docker labels. Kubelet labels are stored as they are; annotations get a prefix (Docker has
 * only labels); the shim's own bookkeeping lives under io.kates.* and is hidden from callers.
 * io.kubernetes.* keys are those cri-dockerd uses, so existing tooling recognises the objects.
 */
import type { Labels } from "@kates/cri-api";

export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";

/** "sandbox", "container" or "pool" (a pre-started sandbox; claimed ones are told apart by name). */
export const LABEL_TYPE = "io.kates.type";
export const LABEL_SANDBOX_ID = "io.kates.sandbox-id";
export const LABEL_ATTEMPT = "io.kates.attempt";
export const LABEL_SANDBOX_ATTEMPT = "io.kates.sandbox-attempt";
/** The image as the caller named it (Docker keeps only the resolved reference). */
export const LABEL_IMAGE = "io.kates.image";
export const LABEL_LOG_PATH = "io.kates.log-path";
/** Identifies the shim instance family so tests and `npm run down` can clean up by label. */
export const LABEL_MANAGED = "io.kates.managed";
const ANNOTATION_PREFIX = "io.kates.annotation.";
const INTERNAL_PREFIX = "io.kates.";

export type ObjectType = "sandbox" | "container" | "pool";

/** Docker labels for CRI labels and annotations plus the shim's own ones. */
export function toDockerLabels(labels: Labels | undefined, annotations: Labels | undefined, internal: Labels): Labels {
  const out: Labels = { ...(labels ?? {}) };
  for (const [k, v] of Object.entries(annotations ?? {})) out[ANNOTATION_PREFIX + k] = v;
  return { ...out, ...internal, [LABEL_MANAGED]: "true" };
}

/** Splits Docker labels back into the caller's labels and annotations. */
export function fromDockerLabels(docker: Labels | undefined): { labels: Labels; annotations: Labels } {
  const labels: Labels = {};
  const annotations: Labels = {};
  for (const [k, v] of Object.entries(docker ?? {})) {
    if (k.startsWith(ANNOTATION_PREFIX)) annotations[k.slice(ANNOTATION_PREFIX.length)] = v;
    else if (!k.startsWith(INTERNAL_PREFIX)) labels[k] = v;
  }
  return { labels, annotations };
}

/** True when every key of selector has the same value in labels (CRI label_selector semantics). */
export function matchesSelector(labels: Labels, selector: Labels | undefined): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

/** Which shim owns an object: several shims (one per test kubelet) may share one engine. */
export const LABEL_SHIM = "io.kates.shim";

/** The "key=value" list filter for objects of shim `id`. */
export function shimLabel(id: string): string {
  return `${LABEL_SHIM}=${id}`;
}
