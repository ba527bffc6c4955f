/**
 * Image name resolution against the cluster's registry. No public registry is reachable, so
 * an unqualified name (`nginx:1.24.0`, `bitnami/redis`) and a Docker Hub name
 * (`docker.io/library/nginx`) both resolve to the configured registry, the way Docker
 * resolves them against Docker Hub; a name with another registry host stays as it is.
 */

const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

function hasRegistryHost(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** The fully qualified reference (registry/repo:tag or @digest) Docker should use for `image`. */
export function resolveImage(image: string, registry: string): string {
  const name = image.trim();
  if (!name) throw new Error("image name is empty");
  let parts = name.split("/");
  let host = registry;
  if (parts.length > 1 && hasRegistryHost(parts[0])) {
    if (!HUB_HOSTS.has(parts[0])) return withTag(name);
    parts = parts.slice(1);
  } else if (!registry) {
    return withTag(name);
  }
  if (parts.length === 1) parts = ["library", parts[0]];
  host = registry;
  return withTag(`${host}/${parts.join("/")}`);
}

/** Adds ":latest" unless the reference has a tag or digest (a port in the host is not a tag). */
export function withTag(ref: string): string {
  if (ref.includes("@")) return ref;
  const lastSlash = ref.lastIndexOf("/");
  return ref.slice(lastSlash + 1).includes(":") ? ref : `${ref}:latest`;
}
