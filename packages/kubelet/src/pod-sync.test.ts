import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Pod } from "@kates/api";
import type { EventRecorder } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { FakeRuntime } from "./cri/fake-runtime.js";
import { LABEL_POD_UID } from "./labels.js";
import { computePodStatus } from "./pod-status.js";
import { PodSyncer } from "./pod-sync.js";
import { ProbeManager } from "./probes.js";
import { fromContainerStatus, normalize, type PodRuntimeState } from "./runtime-state.js";

const events: string[] = [];
const recorder = { event: (_o: unknown, _t: string, reason: string) => void events.push(reason) } as unknown as EventRecorder;
const src = { configMap: async () => undefined, secret: async () => undefined, pvc: async () => undefined, pv: async () => undefined };

function setup(backoffMs = 50) {
  const rt = new FakeRuntime();
  const probes = new ProbeManager(async () => ({ ok: true, message: "" }), () => {}, () => {});
  const syncer = new PodSyncer(rt, src, recorder, probes, {
    nodeName: "n1", rootDir: mkdtempSync(join(tmpdir(), "kubelet-")), clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local",
    crashLoopBackoffBaseMs: backoffMs, crashLoopBackoffMaxMs: backoffMs * 4, imagePullBackoffMaxMs: 1000,
  }, newLogger("test", "silent"));
  const state = async (uid: string): Promise<PodRuntimeState> => {
    const sbs = await rt.listPodSandbox({ label_selector: { [LABEL_POD_UID]: uid } });
    const cs = await rt.listContainers({ label_selector: { [LABEL_POD_UID]: uid } });
    return normalize({
      sandboxes: sbs.map((s) => ({ id: s.id, ready: s.state === "SANDBOX_READY", attempt: s.metadata.attempt, createdAt: 0, ip: rt.sandboxes.get(s.id)?.network?.ip })),
      containers: cs.map((c) => fromContainerStatus(rt.containers.get(c.id)!)),
    });
  };
  return { rt, syncer, probes, state };
}

const mkPod = (over: Partial<NonNullable<Pod["spec"]>> = {}): Pod => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: `uid-${Math.random()}` },
  spec: { nodeName: "n1", containers: [{ name: "app", image: "busybox:1", imagePullPolicy: "IfNotPresent" }], ...over },
  status: { phase: "Pending" },
});

describe("PodSyncer", () => {
  it("starts sandbox and container; status Running with podIP and containerID", async () => {
    const { rt, syncer, state } = setup();
    const pod = mkPod();
    await syncer.syncPod(pod, await state(pod.metadata.uid!), "192.168.1.5");
    expect(rt.calls).toEqual(["RunPodSandbox p", "PullImage busybox:1", "CreateContainer app 0", "StartContainer app"]);
    const st = computePodStatus(pod, await state(pod.metadata.uid!), syncer.hintsFor(pod), "192.168.1.5");
    expect(st.phase).toBe("Running");
    expect(st.podIP).toMatch(/^10\.88\.0\./);
    expect(st.containerStatuses?.[0]).toMatchObject({ name: "app", ready: true, restartCount: 0, started: true });
    expect(st.containerStatuses?.[0]?.containerID).toMatch(/^docker:\/\/c\d+$/);
    expect(st.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(events).toEqual(expect.arrayContaining(["Pulling", "Pulled", "Created", "Started"]));
  });

  it("restarts a crashed container at once, then shows CrashLoopBackOff with a growing delay", async () => {
    const { rt, syncer, state } = setup(200);
    const pod = mkPod();
    const uid = pod.metadata.uid!;
    await syncer.syncPod(pod, await state(uid), "h");
    rt.exit(rt.latest("app")!.id, 1);
    await syncer.syncPod(pod, await state(uid), "h");
    expect(rt.latest("app")?.metadata.attempt).toBe(1);
    rt.exit(rt.latest("app")!.id, 1);
    const again = await syncer.syncPod(pod, await state(uid), "h");
    expect(again).toBeGreaterThan(0);
    expect(again).toBeLessThanOrEqual(200);
    const st = computePodStatus(pod, await state(uid), syncer.hintsFor(pod), "h");
    expect(st.containerStatuses?.[0]?.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(st.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(st.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(st.phase).toBe("Running");
    await new Promise((r) => setTimeout(r, again!));
    await syncer.syncPod(pod, await state(uid), "h");
    expect(rt.latest("app")?.metadata.attempt).toBe(2);
    expect(syncer.crashBackoff.get(`${uid}/app`)).toBe(400);
  });

  it("honours restartPolicy Never and OnFailure", async () => {
    for (const [policy, code, restarted, phase] of [["Never", 1, false, "Failed"], ["OnFailure", 0, false, "Succeeded"], ["OnFailure", 2, true, "Running"]] as const) {
      const { rt, syncer, state } = setup(1);
      const pod = mkPod({ restartPolicy: policy });
      await syncer.syncPod(pod, await state(pod.metadata.uid!), "h");
      rt.exit(rt.latest("app")!.id, code);
      await syncer.syncPod(pod, await state(pod.metadata.uid!), "h");
      expect(rt.latest("app")!.metadata.attempt > 0).toBe(restarted);
      const st = computePodStatus(pod, await state(pod.metadata.uid!), syncer.hintsFor(pod), "h");
      expect([policy, st.phase]).toEqual([policy, phase]);
    }
  });

  it("runs init containers in order before the app containers", async () => {
    const { rt, syncer, state } = setup();
    const pod = mkPod({ initContainers: [{ name: "i1", image: "busybox" }, { name: "i2", image: "busybox" }] });
    const uid = pod.metadata.uid!;
    await syncer.syncPod(pod, await state(uid), "h");
    expect(rt.stateOf("i1")).toBe("CONTAINER_RUNNING");
    expect(rt.stateOf("i2")).toBeUndefined();
    let st = computePodStatus(pod, await state(uid), syncer.hintsFor(pod), "h");
    expect(st.phase).toBe("Pending");
    expect(st.conditions?.find((c) => c.type === "Initialized")?.status).toBe("False");
    rt.exit(rt.latest("i1")!.id, 0);
    await syncer.syncPod(pod, await state(uid), "h");
    expect(rt.stateOf("i2")).toBe("CONTAINER_RUNNING");
    rt.exit(rt.latest("i2")!.id, 0);
    await syncer.syncPod(pod, await state(uid), "h");
    expect(rt.stateOf("app")).toBe("CONTAINER_RUNNING");
    st = computePodStatus(pod, await state(uid), syncer.hintsFor(pod), "h");
    expect(st.phase).toBe("Running");
    expect(st.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual(["Completed", "Completed"]);
  });

  it("reports ErrImagePull, then ImagePullBackOff while backing off", async () => {
    const { syncer, state } = setup();
    const pod = mkPod({ containers: [{ name: "app", image: "nginx:1.24.0-does-not-exist" }] });
    const uid = pod.metadata.uid!;
    // The first back-off is 1 s; the syncer comes back halfway to report ImagePullBackOff.
    const wait = await syncer.syncPod(pod, await state(uid), "h");
    expect(wait).toBe(500);
    let st = computePodStatus(pod, await state(uid), syncer.hintsFor(pod), "h");
    expect(st.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ErrImagePull");
    expect(st.phase).toBe("Pending");
    await syncer.syncPod(pod, await state(uid), "h");
    st = computePodStatus(pod, await state(uid), syncer.hintsFor(pod), "h");
    expect(st.containerStatuses?.[0]?.state?.waiting).toMatchObject({ reason: "ImagePullBackOff", message: 'Back-off pulling image "nginx:1.24.0-does-not-exist"' });
  });

  it("kills containers and removes the sandbox", async () => {
    const { rt, syncer, state } = setup();
    const pod = mkPod();
    await syncer.syncPod(pod, await state(pod.metadata.uid!), "h");
    await syncer.killPod(pod, await state(pod.metadata.uid!), 5);
    expect(rt.calls).toContain("StopContainer app");
    expect(rt.sandboxes.size).toBe(0);
    expect(rt.containers.size).toBe(0);
  });
});
