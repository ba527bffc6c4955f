import { describe, expect, it } from "vitest";
import type { PersistentVolume, PersistentVolumeClaim } from "@kates/api";
import { noopLogger } from "@kates/client";
import { VolumeController, volumeFits } from "./volume-controller.js";
import { FakeObjectClient, FakeRecorder, store } from "../job/testing.js";

const claim = (extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim => ({
  metadata: { name: "www-web-0", namespace: "default", uid: "c-uid" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...extra },
  status: { phase: "Pending" },
});

const volume = (name: string, size: string, extra: Partial<NonNullable<PersistentVolume["spec"]>> = {}): PersistentVolume => ({
  metadata: { name },
  spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce", "ReadOnlyMany"], hostPath: { path: `/data/${name}` }, persistentVolumeReclaimPolicy: "Retain", ...extra },
  status: { phase: "Available" },
});

function setup(pvcs: PersistentVolumeClaim[], pvs: PersistentVolume[] = []) {
  const client = new FakeObjectClient();
  const recorder = new FakeRecorder();
  const c = new VolumeController({ pvcs: store(...pvcs), pvs: store(...pvs), client, recorder, log: noopLogger });
  return { c, client, recorder };
}

describe("VolumeController", () => {
  it("provisions a hostPath volume for an unbound claim and binds both sides", async () => {
    const { c, client, recorder } = setup([claim()]);
    await c.sync("claim:default/www-web-0");
    expect(client.summary()).toEqual(["create persistentvolumes", "updateStatus persistentvolumes pvc-c-uid", "update persistentvolumeclaims www-web-0", "updateStatus persistentvolumeclaims www-web-0"]);
    const pv = client.actions[0].obj as PersistentVolume;
    expect(pv.spec).toMatchObject({
      capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/var/lib/kates/volumes/pvc-c-uid" },
      persistentVolumeReclaimPolicy: "Delete", claimRef: { namespace: "default", name: "www-web-0", uid: "c-uid" },
    });
    expect((client.actions[1].obj as PersistentVolume).status?.phase).toBe("Bound");
    expect((client.actions[2].obj as PersistentVolumeClaim).spec?.volumeName).toBe("pvc-c-uid");
    expect((client.actions[3].obj as PersistentVolumeClaim).status).toEqual({ phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] });
    expect(recorder.events).toEqual(["Normal ProvisioningSucceeded Successfully provisioned volume pvc-c-uid"]);
  });

  it("prefers the smallest fitting Available volume over provisioning", async () => {
    const { c, client } = setup([claim()], [volume("big", "10Gi"), volume("small", "2Gi"), volume("tiny", "500Mi"), volume("other", "1Gi", { accessModes: ["ReadOnlyMany"] })]);
    await c.sync("claim:default/www-web-0");
    expect(client.summary()).toEqual(["update persistentvolumes small", "updateStatus persistentvolumes small", "update persistentvolumeclaims www-web-0", "updateStatus persistentvolumeclaims www-web-0"]);
    expect((client.actions[0].obj as PersistentVolume).spec?.claimRef?.uid).toBe("c-uid");
  });

  it("leaves claims of other storage classes alone", async () => {
    const { c, client } = setup([claim({ storageClassName: "fast-ssd" })]);
    await c.sync("claim:default/www-web-0");
    expect(client.actions).toEqual([]);
    expect(volumeFits(volume("v", "5Gi", { storageClassName: "standard" }), claim())).toBe(false);
  });

  it("deletes a Delete-policy volume whose claim is gone, releases a Retain one", async () => {
    const ref = { kind: "PersistentVolumeClaim", namespace: "default", name: "gone", uid: "g-uid" };
    const { c, client } = setup([], [volume("d", "1Gi", { claimRef: ref, persistentVolumeReclaimPolicy: "Delete" }), volume("r", "1Gi", { claimRef: ref })]);
    await c.sync("volume:d");
    await c.sync("volume:r");
    expect(client.summary()).toEqual(["delete persistentvolumes d", "updateStatus persistentvolumes r"]);
    expect((client.last("updateStatus", "persistentvolumes") as PersistentVolume).status?.phase).toBe("Released");
  });

  it("keeps a volume whose claim still exists", async () => {
    const { c, client } = setup([claim({ volumeName: "pvc-c-uid" })], [volume("pvc-c-uid", "1Gi", { claimRef: { namespace: "default", name: "www-web-0", uid: "c-uid" } })]);
    await c.sync("volume:pvc-c-uid");
    expect(client.actions).toEqual([]);
  });
});
