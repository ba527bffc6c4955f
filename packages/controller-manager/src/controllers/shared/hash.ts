/**
 * The pod-template-hash: a short, stable name for a pod template. Kubernetes hashes the
 * template with FNV-32a (plus the Deployment's collisionCount) and renders the number with
 * a consonant-and-digit alphabet so that it never spells words; kates does the same over a
 * canonical (key-sorted) JSON form of the template, so equal templates hash equally no
 * matter how the apiserver ordered their fields. Values differ from Kubernetes' own.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Kubernetes' rand.SafeEncodeString alphabet: no vowels, no look-alike characters. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** FNV-32a over the UTF-8 bytes of `s`, as an unsigned 32-bit number. */
export function fnv32a(s: string, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const byte of Buffer.from(s, "utf8")) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** Maps each character of `s` onto the safe alphabet (by char code), as rand.SafeEncodeString does. */
export function safeEncode(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted at every level; undefined fields are dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
}

/** The pod-template-hash label value for `template` and the Deployment's `collisionCount`. */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(canonicalJson(template));
  if (collisionCount !== undefined && collisionCount !== null) {
    // Mix the count in as further bytes, so each collision gives a fresh name.
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(collisionCount >>> 0);
    for (const byte of buf) h = Math.imul(h ^ byte, FNV_PRIME) >>> 0;
  }
  return safeEncode(String(h));
}
