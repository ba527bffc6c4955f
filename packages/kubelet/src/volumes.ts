/**
 * Pod volumes on the node: directories under <root-dir>/pods/<uid>/volumes/<plugin>/<name>
 * that the runtime bind-mounts. emptyDir is a fresh directory, configMap and secret are
 * projected as files (rewritten on each sync), hostPath and persistentVolumeClaim (a PV
 * backed by hostPath) point at the host's directory.
 */
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Container, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Volume } from "@kates/api";
import { ContainerConfigError, type ObjectSource } from "./container-env.js";
import type { Mount } from "@kates/cri-api";

/** The API reads volumes need beyond configMaps and secrets. */
export interface VolumeSource extends ObjectSource {
  pvc(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  pv(name: string): Promise<PersistentVolume | undefined>;
}

/** The pod's own directory on the node. */
export const podDir = (rootDir: string, uid: string): string => join(rootDir, "pods", uid);

async function project(dir: string, data: Record<string, string>, items: KeyToPath[] | undefined, mode: number | undefined, what: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = items?.length ? items.map((i) => [i.path, i.key, i.mode] as const) : Object.keys(data).map((k) => [k, k, undefined] as const);
  for (const [path, key, itemMode] of entries) {
    const value = data[key];
    if (value === undefined) throw new ContainerConfigError(`${what}: key ${key} not found`);
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, value, { mode: itemMode ?? mode ?? 0o644 });
  }
}

async function hostPathFor(pod: Pod, v: Volume, rootDir: string, src: VolumeSource): Promise<string> {
  const ns = pod.metadata.namespace ?? "default";
  const base = join(podDir(rootDir, pod.metadata.uid ?? ""), "volumes");
  if (v.hostPath) {
    if (v.hostPath.type === "DirectoryOrCreate") await mkdir(v.hostPath.path, { recursive: true });
    return v.hostPath.path;
  }
  if (v.configMap) {
    const cm = await src.configMap(ns, v.configMap.name ?? "");
    if (!cm && !v.configMap.optional) throw new ContainerConfigError(`configmap "${v.configMap.name}" not found`);
    const dir = join(base, "kubernetes.io~configmap", v.name);
    await project(dir, { ...cm?.data }, v.configMap.items, v.configMap.defaultMode, `configmap ${v.configMap.name}`);
    return dir;
  }
  if (v.secret) {
    const s = await src.secret(ns, v.secret.secretName ?? "");
    if (!s && !v.secret.optional) throw new ContainerConfigError(`secret "${v.secret.secretName}" not found`);
    const data = Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, b]) => [k, Buffer.from(b, "base64").toString("utf8")]));
    const dir = join(base, "kubernetes.io~secret", v.name);
    await project(dir, data, v.secret.items, v.secret.defaultMode, `secret ${v.secret.secretName}`);
    return dir;
  }
  if (v.persistentVolumeClaim) {
    const pvc = await src.pvc(ns, v.persistentVolumeClaim.claimName);
    if (!pvc) throw new ContainerConfigError(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`);
    const pvName = pvc.spec?.volumeName;
    const pv = pvName ? await src.pv(pvName) : undefined;
    const path = (pv?.spec as { hostPath?: { path: string } } | undefined)?.hostPath?.path;
    if (!path) throw new ContainerConfigError(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" is not bound to a hostPath PersistentVolume`);
    await mkdir(path, { recursive: true });
    return path;
  }
  // emptyDir, and anything unknown, is a scratch directory that lives as long as the pod.
  const dir = join(base, "kubernetes.io~empty-dir", v.name);
  await mkdir(dir, { recursive: true });
  // World-writable as in Kubernetes, so containers running as a non-root user can use it (mkdir's mode is cut by the umask).
  await chmod(dir, 0o777);
  return dir;
}

/** Makes every volume of the pod ready on the node; returns the host path per volume name. */
export async function prepareVolumes(pod: Pod, rootDir: string, src: VolumeSource): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) out.set(v.name, await hostPathFor(pod, v, rootDir, src));
  return out;
}

/** The container's bind mounts for its volumeMounts. */
export function containerMounts(c: Container, volumes: Map<string, string>): Mount[] {
  return (c.volumeMounts ?? []).map((m) => {
    const host = volumes.get(m.name);
    if (!host) throw new ContainerConfigError(`unable to find volume "${m.name}" for container ${c.name}`);
    return { container_path: m.mountPath, host_path: m.subPath ? join(host, m.subPath) : host, readonly: m.readOnly ?? false };
  });
}

/** Removes the pod's directory (emptyDirs and projections) once the pod is gone. */
export async function cleanupPodDir(rootDir: string, uid: string): Promise<void> {
  await rm(podDir(rootDir, uid), { recursive: true, force: true });
}
