/**
 * VolumeController: a small local provisioner and binder for PersistentVolumeClaims.
 *
 * Primary: PersistentVolumeClaims and PersistentVolumes (one queue, keys prefixed `claim:`
 * and `volume:`). A pending claim with no storageClassName, "standard" or "local-path" binds
 * to the smallest Available PersistentVolume that fits (class, access modes, capacity), or
 * else gets a new hostPath volume `/var/lib/kates/volumes/<pv-name>` (reclaim policy Delete)
 * provisioned for it. Binding writes both sides: pv.spec.claimRef and pv.status.phase Bound;
 * pvc.spec.volumeName, then pvc.status (Bound, capacity, access modes).
 *
 * When the claim goes, its volume is Released; a Delete-policy volume's object is deleted.
 * The host directory is left in place: the controller-manager runs on no particular node, and
 * the kubelet that created the directory (DirectoryOrCreate) owns the node's disk.
 */
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec } from "@kates/api";
import { isNotFound, parseQuantity } from "@kates/api";
import { splitKey, WorkQueue, type Lister, type Logger } from "@kates/client";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import { R, restObjectClient, runQueue, type ObjectClient, type Recorder } from "../job/workload-utils.js";

/** Classes this provisioner serves; "" is a claim without storageClassName. */
export const PROVISIONED_CLASSES = new Set(["", "standard", "local-path"]);
/** Where provisioned volumes live on each node. */
export const VOLUME_ROOT = "/var/lib/kates/volumes";
export const PROVISIONER_NAME = "kates.io/local-path";

export interface VolumeControllerDeps {
  pvcs: Lister<PersistentVolumeClaim>;
  pvs: Lister<PersistentVolume>;
  client: ObjectClient;
  recorder: Recorder;
  log: Logger;
}

const requestOf = (pvc: PersistentVolumeClaim): string => String(pvc.spec?.resources?.requests?.storage ?? "1Gi");
const bytes = (q: unknown): number => parseQuantity(q) ?? 0;
const classOf = (o: { spec?: { storageClassName?: string } }): string => o.spec?.storageClassName ?? "";

/** True if `pv` can serve `pvc`: free (or reserved for it), same class, modes and enough capacity. */
export function volumeFits(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (ref && !(ref.namespace === pvc.metadata.namespace && ref.name === pvc.metadata.name && (!ref.uid || ref.uid === pvc.metadata.uid))) return false;
  if (pv.metadata.deletionTimestamp || (pv.status?.phase !== "Available" && pv.status?.phase !== "Pending" && pv.status?.phase !== undefined)) return false;
  if (classOf(pv) !== classOf(pvc)) return false;
  const modes = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  return bytes(pv.spec?.capacity?.storage) >= bytes(requestOf(pvc));
}

export class VolumeController {
  readonly queue = new WorkQueue<string>();

  constructor(private readonly d: VolumeControllerDeps) {}

  enqueueClaim(pvc: PersistentVolumeClaim): void {
    this.queue.add(`claim:${pvc.metadata.namespace}/${pvc.metadata.name}`);
  }

  enqueueVolume(pv: PersistentVolume): void {
    this.queue.add(`volume:${pv.metadata.name}`);
    const ref = pv.spec?.claimRef;
    if (ref?.name) this.queue.add(`claim:${ref.namespace}/${ref.name}`);
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith("claim:")) return this.syncClaim(key.slice(6));
    if (key.startsWith("volume:")) return this.syncVolume(key.slice(7));
  }

  /** Binds a pending claim (provisioning a volume if none fits) and completes half-done bindings. */
  async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.d.pvcs.get(namespace, name);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const pvc = structuredClone(cached);
    let pv: PersistentVolume | undefined;
    if (pvc.spec?.volumeName) {
      const found = this.d.pvs.get(undefined, pvc.spec.volumeName);
      if (!found) return; // pre-bound to a volume that does not exist (yet): stay Pending
      pv = structuredClone(found);
      const ref = pv.spec?.claimRef;
      if (ref?.uid && ref.uid !== pvc.metadata.uid) return; // someone else's volume
    } else {
      if (!PROVISIONED_CLASSES.has(classOf(pvc))) return;
      const candidates = this.d.pvs.list(undefined, (v) => volumeFits(v, pvc))
        .sort((a, b) => bytes(a.spec?.capacity?.storage) - bytes(b.spec?.capacity?.storage));
      pv = candidates[0] ? structuredClone(candidates[0]) : await this.provision(pvc);
    }
    await this.bind(pv, pvc);
  }

  private async provision(pvc: PersistentVolumeClaim): Promise<PersistentVolume> {
    const pvName = `pvc-${pvc.metadata.uid}`;
    const spec: PersistentVolumeSpec = {
      capacity: { storage: requestOf(pvc) },
      accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ["ReadWriteOnce"],
      hostPath: { path: `${VOLUME_ROOT}/${pvName}`, type: "DirectoryOrCreate" },
      claimRef: claimRefOf(pvc),
      persistentVolumeReclaimPolicy: "Delete",
      volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
    };
    if (pvc.spec?.storageClassName) spec.storageClassName = pvc.spec.storageClassName;
    const pv: PersistentVolume = {
      apiVersion: "v1", kind: "PersistentVolume",
      metadata: { name: pvName, annotations: { "pv.kubernetes.io/provisioned-by": PROVISIONER_NAME } },
      spec,
    };
    let created: PersistentVolume;
    try {
      created = await this.d.client.create(R.pvs, undefined, pv);
    } catch (err) {
      // Created by an earlier attempt whose result we did not see: use it.
      const existing = this.d.pvs.get(undefined, pvName);
      if (!existing) throw err;
      return structuredClone(existing);
    }
    this.d.recorder.event(pvc, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${pvName}`);
    return created;
  }

  private async bind(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
    const pvName = pv.metadata.name!;
    if (!pv.spec?.claimRef?.uid) {
      pv.spec = { ...pv.spec, claimRef: claimRefOf(pvc) };
      pv = await this.d.client.update(R.pvs, pv);
    }
    if (pv.status?.phase !== "Bound") {
      pv.status = { ...pv.status, phase: "Bound" };
      pv = await this.d.client.updateStatus(R.pvs, pv);
    }
    if (pvc.spec?.volumeName !== pvName) {
      pvc.spec = { ...pvc.spec, volumeName: pvName };
      pvc.metadata.annotations = { ...pvc.metadata.annotations, "pv.kubernetes.io/bind-completed": "yes" };
      if (pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"]) pvc.metadata.annotations["volume.kubernetes.io/storage-provisioner"] = PROVISIONER_NAME;
      pvc = await this.d.client.update(R.pvcs, pvc);
    }
    if (pvc.status?.phase !== "Bound") {
      pvc.status = { ...pvc.status, phase: "Bound", capacity: { ...pv.spec?.capacity }, accessModes: [...(pv.spec?.accessModes ?? [])] };
      await this.d.client.updateStatus(R.pvcs, pvc);
      this.d.log.info({ claim: `${pvc.metadata.namespace}/${pvc.metadata.name}`, volume: pvName }, "bound claim");
    }
  }

  /** Releases a volume whose claim is gone; deletes it when its reclaim policy is Delete. */
  async syncVolume(name: string): Promise<void> {
    const cached = this.d.pvs.get(undefined, name);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const pv = structuredClone(cached);
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== "Available") await this.d.client.updateStatus(R.pvs, { ...pv, status: { ...pv.status, phase: "Available" } });
      return;
    }
    const pvc = this.d.pvcs.get(ref.namespace, ref.name ?? "");
    if (pvc && (!ref.uid || pvc.metadata.uid === ref.uid)) return; // bound or binding: syncClaim's job
    if (!ref.uid) return; // reserved for a claim that does not exist yet
    if (pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
      try {
        await this.d.client.delete(R.pvs, undefined, name);
        this.d.log.info({ volume: name }, "deleted released volume (host directory kept)");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    } else if (pv.status?.phase !== "Released") {
      await this.d.client.updateStatus(R.pvs, { ...pv, status: { ...pv.status, phase: "Released" } });
    }
  }
}

const claimRefOf = (pvc: PersistentVolumeClaim) => ({
  kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion,
});

/** The "persistentvolume-binder" entry of the controller table (provisioning included). */
export const volumeDescriptor: ControllerDescriptor = {
  name: "persistentvolume-binder",
  create(ctx: ControllerContext) {
    const pvcs = ctx.informers.informerFor<PersistentVolumeClaim>(R.pvcs);
    const pvs = ctx.informers.informerFor<PersistentVolume>(R.pvs);
    const c = new VolumeController({ pvcs: pvcs.lister, pvs: pvs.lister, client: restObjectClient(ctx.rest), recorder: ctx.recorder("persistentvolume-controller"), log: ctx.log });
    pvcs.on("add", (p) => c.enqueueClaim(p));
    pvcs.on("update", (_o, p) => c.enqueueClaim(p));
    pvcs.on("delete", (p) => {
      if (p.spec?.volumeName) c.queue.add(`volume:${p.spec.volumeName}`);
    });
    pvs.on("add", (v) => c.enqueueVolume(v));
    pvs.on("update", (_o, v) => c.enqueueVolume(v));
    return { run: (signal) => runQueue(c.queue, [pvcs, pvs], ctx.options.workers, (k) => c.sync(k), signal, ctx.log) };
  },
};
