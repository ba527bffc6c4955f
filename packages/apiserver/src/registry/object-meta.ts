/**
 * The metadata rules every resource shares (Kubernetes' rest.BeforeCreate/BeforeUpdate):
 * the server owns uid, creationTimestamp, generation and resourceVersion; names come from
 * the URL or generateName; status is written only through the status subresource.
 */
import { randomUUID, randomInt } from "node:crypto";
import { BadRequestError, InvalidError, fieldErrors, type KObject, type ResourceInfo } from "@kates/api";

/** RFC 3339 with second precision, as metav1.Time serializes. */
export const rfc3339 = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** RFC 3339 with microseconds, as metav1.MicroTime serializes. */
export const rfc3339Micro = (d = new Date()): string => d.toISOString().replace(/Z$/, "000Z");

const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** `generateName` plus five characters from the alphabet Kubernetes uses (no vowels, no look-alikes). */
export function generateName(base: string): string {
  const b = base.length > 58 ? base.slice(0, 58) : base;
  let s = "";
  for (let i = 0; i < 5; i++) s += nameAlphabet[randomInt(nameAlphabet.length)];
  return b + s;
}

/** Fills server-owned metadata on create; the namespace comes from the URL. */
export function prepareMetaForCreate(obj: KObject, ri: ResourceInfo, urlNamespace: string | undefined): void {
  const m = (obj.metadata ??= {});
  if (ri.namespaced) {
    if (m.namespace && urlNamespace && m.namespace !== urlNamespace) {
      throw new BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
    }
    m.namespace = urlNamespace ?? m.namespace;
  } else {
    delete m.namespace;
  }
  if (m.resourceVersion) throw new BadRequestError("resourceVersion should not be set on objects to be created");
  if (!m.name) {
    if (!m.generateName) throw new InvalidError(ri.kind, "", [fieldErrors.required("metadata.name", "name or generateName is required")], ri.group);
    m.name = generateName(m.generateName);
  }
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339();
  m.generation = 1;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  if (m.labels && !Object.keys(m.labels).length) delete m.labels;
  if (m.annotations && !Object.keys(m.annotations).length) delete m.annotations;
}

/**
 * Carries server-owned metadata over from the stored object. Returns an error message when
 * the request tries to change something that can never change.
 */
export function prepareMetaForUpdate(obj: KObject, old: KObject, ri: ResourceInfo): void {
  const m = (obj.metadata ??= {});
  const o = old.metadata;
  if (m.name && m.name !== o.name) throw new BadRequestError(`the name of the object (${m.name}) does not match the name on the URL (${o.name})`);
  if (ri.namespaced && m.namespace && m.namespace !== o.namespace) {
    throw new BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
  }
  m.name = o.name;
  if (ri.namespaced) m.namespace = o.namespace;
  else delete m.namespace;
  if (m.uid && m.uid !== o.uid) throw new InvalidError(ri.kind, o.name ?? "", [fieldErrors.invalid("metadata.uid", m.uid, "field is immutable")], ri.group);
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.generation = o.generation ?? 1;
  if (o.deletionTimestamp) {
    m.deletionTimestamp = o.deletionTimestamp;
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  if (m.labels && !Object.keys(m.labels).length) delete m.labels;
  if (m.annotations && !Object.keys(m.annotations).length) delete m.annotations;
}
