/**
 * Printers for configuration and storage objects: ConfigMap, Secret, ServiceAccount,
 * PersistentVolume, PersistentVolumeClaim.
 */
import type { KObject } from "@kates/api";
import { accessModes, ageColumn, col, nameColumn } from "./format.js";
import { since } from "./duration.js";
import type { RowPrinter } from "./types.js";

const count = (m: Record<string, unknown> | undefined | null) => Object.keys(m ?? {}).length;

/** ConfigMaps: Data (number of keys, binary ones included). */
export const configMapPrinter: RowPrinter = {
  columns: [nameColumn, col("Data", "Number of keys in data and binaryData."), ageColumn],
  cells(obj, now) {
    const cm = obj as KObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
    return [cm.metadata.name, count(cm.data) + count(cm.binaryData), since(cm.metadata.creationTimestamp, now)];
  },
};

/** Secrets: Type, Data (number of keys). */
export const secretPrinter: RowPrinter = {
  columns: [nameColumn, col("Type", "Used to facilitate programmatic handling of secret data."), col("Data", "Number of keys in data."), ageColumn],
  cells(obj, now) {
    const s = obj as KObject & { type?: string; data?: Record<string, string>; stringData?: Record<string, string> };
    // stringData is normally folded into data on write; count the union in case it was not.
    const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
    return [s.metadata.name, s.type || "Opaque", keys.size, since(s.metadata.creationTimestamp, now)];
  },
};

/** ServiceAccounts: Secrets (the number of listed secrets; Kubernetes 1.32 still prints the column). */
export const serviceAccountPrinter: RowPrinter = {
  columns: [nameColumn, col("Secrets", "Number of secrets listed in the service account."), ageColumn],
  cells(obj, now) {
    const sa = obj as KObject & { secrets?: unknown[] };
    return [sa.metadata.name, (sa.secrets ?? []).length, since(sa.metadata.creationTimestamp, now)];
  },
};

/** The annotation that predates spec.storageClassName and still takes precedence over it. */
const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

const storageClass = (o: KObject & { spec?: { storageClassName?: string | null } }) =>
  o.metadata.annotations?.[BETA_STORAGE_CLASS] ?? o.spec?.storageClassName ?? "";

interface PVShape extends KObject {
  spec?: {
    capacity?: { storage?: string };
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string };
    storageClassName?: string;
    volumeAttributesClassName?: string | null;
    volumeMode?: string | null;
  };
  status?: { phase?: string; reason?: string };
}

/** PersistentVolumes: Capacity, Access Modes, Reclaim Policy, Status, Claim, StorageClass, ... */
export const persistentVolumePrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Capacity", "The storage capacity of the volume."),
    col("Access Modes", "The ways the volume can be mounted."),
    col("Reclaim Policy", "What happens to the volume when its claim is released."),
    col("Status", "The phase of the volume."),
    col("Claim", "The claim bound to the volume."),
    col("StorageClass", "StorageClass of the pv"),
    col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    col("Reason", "Why the volume is in its phase."),
    ageColumn,
    col("VolumeMode", "Whether the volume is a filesystem or a raw block device.", { wide: true }),
  ],
  cells(obj, now) {
    const pv = obj as PVShape;
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    return [
      pv.metadata.name,
      spec.capacity?.storage ?? "0",
      accessModes(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? "",
      pv.metadata.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? ""),
      claim,
      storageClass(pv),
      spec.volumeAttributesClassName ?? "<unset>",
      pv.status?.reason ?? "",
      since(pv.metadata.creationTimestamp, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};

interface PVCShape extends KObject {
  spec?: { volumeName?: string; storageClassName?: string; volumeAttributesClassName?: string | null; volumeMode?: string | null };
  status?: { phase?: string; accessModes?: string[]; capacity?: { storage?: string } };
}

/** PersistentVolumeClaims: Status, Volume, and once bound Capacity and Access Modes. */
export const persistentVolumeClaimPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Status", "The phase of the claim."),
    col("Volume", "The volume bound to the claim."),
    col("Capacity", "The capacity of the bound volume."),
    col("Access Modes", "The access modes of the bound volume."),
    col("StorageClass", "StorageClass of the pvc"),
    col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    ageColumn,
    col("VolumeMode", "Whether the claim wants a filesystem or a raw block device.", { wide: true }),
  ],
  cells(obj, now) {
    const pvc = obj as PVCShape;
    const spec = pvc.spec ?? {};
    const bound = !!spec.volumeName;
    return [
      pvc.metadata.name,
      pvc.metadata.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? ""),
      spec.volumeName ?? "",
      bound ? (pvc.status?.capacity?.storage ?? "0") : "",
      bound ? accessModes(pvc.status?.accessModes) : "",
      storageClass(pvc),
      spec.volumeAttributesClassName ?? "<unset>",
      since(pvc.metadata.creationTimestamp, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};
