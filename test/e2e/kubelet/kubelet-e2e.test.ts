// The kubelet end to end: real Docker, the runtime shim and the kubelet as processes, a real
// apiserver on etcd, driven and observed with the real kubectl. All pods are created at once
// in beforeAll; each test then checks one behaviour of issue 3's "How we will know".
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { startKubectl, type RunningKubectl } from "../../harness/kubectl.js";
import { trackChild } from "../../harness/processes.js";
import { dockerIdsByLabel, dockerInspect, TestNode, until } from "./node.js";
import { HOST_PORT, podList } from "./pods.js";

const node = new TestNode();
let watch: RunningKubectl;
/** Docker start/die events of pod crash's containers, and the back-off delays its status announced. */
let crashEvents: ChildProcess | undefined;
let crashEventLines = "";
const crashDelays: number[] = [];
let pollCrash = true;
let crashPoller: Promise<void> | undefined;

const describePod = (name: string) => node.ok(["describe", "pod", name]);
/** The Events rows of `kubectl describe` for one reason. */
const eventRows = (described: string, reason: string) => described.split("\n").filter((l) => new RegExp(`^\\s+(Normal|Warning)\\s+${reason}\\s`).test(l));
/** STATUS values `kubectl get pods -w` printed for one pod, in order. */
const watchedStatuses = (name: string) => watch.stdout().split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => f[0] === name).map((f) => f[2]);

beforeAll(async () => {
  await node.start();
  await node.ok(["create", "configmap", "e2e-config", "--from-literal=greeting=hello", "--from-literal=app.conf=level=debug"]);
  await node.ok(["create", "secret", "generic", "e2e-secret", "--from-literal=password=s3cr3t"]);
  watch = startKubectl(["get", "pods", "-w"], { server: node.cp.url, timeoutMs: 300_000 });
  const applied = Date.now();
  await node.ok(["apply", "-f", "-"], podList());
  const rest = new RestClient({ server: node.cp.url, userAgent: "kubelet-e2e" });
  const pods = rest.resource<Pod>(findResource("", "v1", "pods")!, "default");
  const crashUid = (await pods.get("crash")).metadata.uid!;
  // --since replays what happened between the apply and this spawn.
  crashEvents = spawn("docker", ["events", `--since=${Math.floor(applied / 1000) - 1}`, "--filter", `label=io.kubernetes.pod.uid=${crashUid}`, "--filter", "event=start", "--filter", "event=die", "--format", "{{json .}}"]);
  trackChild(crashEvents);
  crashEvents.stdout?.on("data", (c: Buffer) => (crashEventLines += c.toString()));
  crashPoller = (async () => {
    while (pollCrash) {
      const msg = (await pods.get("crash").catch(() => undefined))?.status?.containerStatuses?.[0]?.state?.waiting?.message;
      const delay = msg && /^back-off (\d+)s/.exec(msg)?.[1];
      if (delay && crashDelays.at(-1) !== Number(delay)) crashDelays.push(Number(delay));
      await new Promise((r) => setTimeout(r, 100));
    }
    rest.close();
  })();
}, 120_000);

afterAll(async () => {
  pollCrash = false;
  await crashPoller;
  crashEvents?.kill("SIGTERM");
  await watch?.stop();
  await node.stop();
}, 60_000);

const running = (name: string, timeoutMs = 60_000) => until(async () => {
  const p = await node.pod(name);
  return p.status?.phase === "Running" && p.status.containerStatuses?.every((c: { state?: { running?: unknown } }) => c.state?.running) ? p : undefined;
}, timeoutMs, `pod ${name} Running`);

describe("kubelet e2e over Docker", () => {
  it("runs a two-container pod whose containers share localhost and an emptyDir", async () => {
    await running("duo");
    const got = await until(async () => {
      const r = await node.k(["exec", "duo", "-c", "client", "--", "cat", "/tmp/got"]);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    }, 15_000, "the client to fetch over localhost");
    expect(got).toBe("hello-over-localhost\n");
    expect(await node.ok(["exec", "duo", "-c", "web", "--", "cat", "/shared/index.html"])).toBe("hello-over-localhost\n");
    const d = await describePod("duo");
    expect(eventRows(d, "Pulling").join("\n")).toContain('Pulling image "busybox"');
    expect(eventRows(d, "Pulled").join("\n")).toMatch(/Successfully pulled image "busybox"/);
    expect(eventRows(d, "Created")).toHaveLength(2);
    expect(eventRows(d, "Started").join("\n")).toMatch(/Started container web/);
    expect(eventRows(d, "Started").join("\n")).toMatch(/Started container client/);
    expect(d).toMatch(/From\s/);
    expect(d).toContain("kubelet");
  });

  it("puts requests and limits into docker inspect", async () => {
    const p = await running("limits");
    const id = p.status.containerStatuses[0].containerID.replace("docker://", "");
    const hc = dockerInspect(id).HostConfig;
    expect(hc.Memory).toBe(64 * 1024 * 1024);
    expect(hc.CpuQuota).toBe(50_000);
    expect(hc.CpuPeriod).toBe(100_000);
    expect(hc.CpuShares).toBe(256);
    expect(await node.ok(["get", "pod", "limits", "-o", "jsonpath={.status.qosClass}"])).toBe("Burstable");
  });

  it("projects configMap and secret volumes and env from configMapKeyRef, secretKeyRef and fieldRef", async () => {
    const p = await running("config");
    const out = await node.ok(["exec", "config", "--", "sh", "-c", "cat /etc/cm/greeting; echo; cat /etc/cm/app.conf; echo; cat /etc/sec/password; echo; echo $GREETING $PASSWORD $POD_NAME $POD_IP $NODE_NAME $COMBINED"]);
    expect(out.split("\n")).toEqual(["hello", "level=debug", "s3cr3t", `hello s3cr3t config ${p.status.podIP} e2e-node hello-config`, ""]);
    const w = await node.k(["exec", "config", "--", "sh", "-c", "echo x > /etc/sec/password"]);
    expect(w.code).not.toBe(0);
  });

  it("flips Ready with an exec readiness probe", async () => {
    await running("readiness");
    const ready = async () => (await node.ok(["get", "pod", "readiness", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).trim();
    await until(async () => ((await ready()) === "False" ? true : undefined), 10_000, "Ready=False before the file exists");
    expect((await node.ok(["get", "pod", "readiness", "--no-headers"])).trim().split(/\s+/)[1]).toBe("0/1");
    await node.ok(["exec", "readiness", "--", "touch", "/tmp/ready"]);
    await until(async () => ((await ready()) === "True" ? true : undefined), 10_000, "Ready=True");
    expect((await node.ok(["get", "pod", "readiness", "--no-headers"])).trim().split(/\s+/)[1]).toBe("1/1");
    await node.ok(["exec", "readiness", "--", "rm", "/tmp/ready"]);
    await until(async () => ((await ready()) === "False" ? true : undefined), 10_000, "Ready=False again");
    expect(eventRows(await describePod("readiness"), "Unhealthy").join("\n")).toContain("Readiness probe failed");
  });

  it("restarts a container whose liveness probe fails", async () => {
    const p = await until(async () => {
      const p = await node.pod("liveness");
      return p.status?.containerStatuses?.[0]?.restartCount >= 1 ? p : undefined;
    }, 30_000, "a liveness restart");
    expect(p.status.containerStatuses[0].lastState.terminated).toBeTruthy();
    const d = await describePod("liveness");
    expect(eventRows(d, "Unhealthy").join("\n")).toContain("Liveness probe failed: HTTP probe failed with statuscode: 404");
    expect(eventRows(d, "Killing").join("\n")).toContain("failed liveness probe, will be restarted");
  });

  it("restarts a crashing container with growing back-off and shows CrashLoopBackOff", async () => {
    type Ev = { Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
    // The sandbox carries the pod's uid too; only app containers have a container name.
    const events = () => crashEventLines.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev).filter((e) => e.Actor.Attributes["io.kubernetes.container.name"] === "app");
    // Five starts: four restarts, the last three after back-offs of 1s, 2s and 4s.
    await until(() => (events().filter((e) => e.Action === "start").length >= 5 ? true : undefined), 60_000, `five starts of crash (${crashEventLines})`);
    const evs = events();
    const gaps: number[] = [];
    for (let i = 0; i + 1 < evs.length; i++) if (evs[i]!.Action === "die" && evs[i + 1]!.Action === "start") gaps.push((evs[i + 1]!.timeNano - evs[i]!.timeNano) / 1e6);
    const why = `gaps between a death and the next start (ms): ${gaps.map(Math.round).join(", ")}; announced back-offs: ${crashDelays.join(", ")}`;
    expect(gaps.length, why).toBeGreaterThanOrEqual(4);
    // Back-off is a lower bound (never restarted early) and it grows; the machine's load only adds.
    expect(gaps[1], why).toBeGreaterThanOrEqual(950);
    expect(gaps[2], why).toBeGreaterThanOrEqual(1950);
    expect(gaps[3], why).toBeGreaterThanOrEqual(3950);
    // The CrashLoopBackOff message announces the growing delay (a short one can pass unseen on a busy machine).
    expect(crashDelays, why).toEqual([...crashDelays].sort((a, b) => a - b));
    expect(new Set(crashDelays).size, why).toBe(crashDelays.length);
    expect(crashDelays, why).toContain(4);
    expect(watchedStatuses("crash")).toContain("CrashLoopBackOff");
    expect(await until(async () => ((await node.statusColumn("crash")) === "CrashLoopBackOff" ? true : undefined), 10_000, "CrashLoopBackOff in get")).toBe(true);
    const p = await node.pod("crash");
    expect(p.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    const d = await describePod("crash");
    expect(eventRows(d, "BackOff").join("\n")).toContain("Back-off restarting failed container app");
    // Repeated events are counted, and describe shows the count.
    expect(eventRows(d, "Started").join("\n")).toMatch(/\(x[3-9]\d* over/);
    expect(await node.ok(["logs", "crash", "--previous"])).toBe("crashing\n");
  });

  it("shows ErrImagePull, then ImagePullBackOff for a missing tag", async () => {
    await until(() => {
      const s = watchedStatuses("badimage");
      const i = s.indexOf("ErrImagePull");
      return i >= 0 && s.indexOf("ImagePullBackOff", i) > i ? true : undefined;
    }, 30_000, "ErrImagePull then ImagePullBackOff in kubectl get pods -w");
    expect(await node.ok(["get", "pod", "badimage", "-o", "jsonpath={.status.phase}"])).toBe("Pending");
    const d = await describePod("badimage");
    expect(eventRows(d, "Failed").join("\n")).toContain('Failed to pull image "nginx:1.24.0-does-not-exist"');
    expect(eventRows(d, "Failed").join("\n")).toContain("ErrImagePull");
    expect(eventRows(d, "BackOff").join("\n")).toContain('Back-off pulling image "nginx:1.24.0-does-not-exist"');
    // The pull is retried (after the back-off), and the repeated event is counted.
    await until(async () => (/\(x[2-9]\d* over/.test(eventRows(await describePod("badimage"), "Pulling").join("\n")) ? true : undefined), 15_000, "a counted second Pulling event");
    // Its waits add up to 45 s: more than the default test timeout when CI is busy.
  }, 60_000);

  it("ends restartPolicy Never and OnFailure pods as Succeeded or Failed", async () => {
    const phase = (n: string) => until(async () => {
      const p = await node.ok(["get", "pod", n, "-o", "jsonpath={.status.phase}"]);
      return p === "Succeeded" || p === "Failed" ? p : undefined;
    }, 30_000, `${n} terminal`);
    expect(await phase("never-ok")).toBe("Succeeded");
    expect(await phase("never-fail")).toBe("Failed");
    expect(await phase("onfailure")).toBe("Succeeded");
    expect(await node.statusColumn("never-ok")).toBe("Completed");
    expect(await node.statusColumn("never-fail")).toBe("Error");
    expect(await node.statusColumn("onfailure")).toBe("Completed");
    const of = await node.pod("onfailure");
    expect(of.status.containerStatuses[0].restartCount).toBe(1);
    expect((await node.pod("never-fail")).status.containerStatuses[0].state.terminated.exitCode).toBe(7);
    expect(await node.ok(["logs", "onfailure"])).toBe("second\n");
    // Finished pods keep their exited containers (logs above) but stop their sandboxes.
    for (const name of ["never-ok", "never-fail", "onfailure"]) {
      const uid = (await node.pod(name)).metadata.uid;
      await until(() => (execFileSync("docker", ["ps", "-q", "--filter", `label=io.kubernetes.pod.uid=${uid}`], { encoding: "utf8" }) === "" ? true : undefined), 10_000, `${name}'s sandbox stopped`);
    }
  });

  it("runs init containers in order, then the app as runAsUser with envFrom, hostPort and startup/tcpSocket probes", async () => {
    const p = await until(async () => {
      const p = await node.pod("extras");
      return p.status?.containerStatuses?.[0]?.ready ? p : undefined;
    }, 25_000, "extras ready").catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${JSON.stringify((await node.pod("extras")).status, null, 1)}\n${await describePod("extras")}`);
    });
    expect(p.status.initContainerStatuses.map((s: { state: { terminated?: { reason: string } } }) => s.state.terminated?.reason)).toEqual(["Completed", "Completed"]);
    expect(p.status.conditions.find((c: { type: string }) => c.type === "Initialized").status).toBe("True");
    expect(p.status.containerStatuses[0].started).toBe(true);
    expect(await node.ok(["exec", "extras", "--", "sh", "-c", "id -u; echo $CM_greeting"])).toBe("1000\nhello\n");
    const res = await fetch(`http://127.0.0.1:${HOST_PORT}/index.html`);
    expect(await res.text()).toBe("one\ntwo\n");
  });

  it("runs a pod bound later through the binding subresource", async () => {
    expect(await node.ok(["get", "pod", "bound-later", "-o", "jsonpath={.status.phase}"])).toBe("Pending");
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "bound-later" }, target: { apiVersion: "v1", kind: "Node", name: node.nodeName } };
    await node.ok(["create", "--raw", "/api/v1/namespaces/default/pods/bound-later/binding", "-f", "-"], JSON.stringify(binding));
    const p = await running("bound-later", 30_000);
    expect(p.spec.nodeName).toBe(node.nodeName);
    expect(p.status.conditions.find((c: { type: string }) => c.type === "PodScheduled").status).toBe("True");
  });

  it("leaves running containers untouched when the kubelet and the shim are SIGKILLed and restarted", async () => {
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      for (const name of ["duo", "limits", "config"]) {
        const p = await node.pod(name);
        for (const id of dockerIdsByLabel(`io.kubernetes.pod.uid=${p.metadata.uid}`)) out[id] = dockerInspect(id).State.StartedAt;
        for (const c of p.status.containerStatuses) out[`${name}/${c.name}`] = [c.containerID, c.restartCount, c.ready];
      }
      return out;
    };
    const before = await snapshot();
    await node.killBoth();
    await node.startShim();
    node.startKubelet();
    await until(() => (node.kubeletLog.toString().split("pod informer synced").length > 2 ? true : undefined), 20_000, "the new kubelet to sync");
    // Several relists and pod syncs of the new kubelet.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await snapshot()).toEqual(before);
    // The restarted pair still serves exec.
    expect(await node.ok(["exec", "duo", "-c", "web", "--", "cat", "/shared/index.html"])).toBe("hello-over-localhost\n");
  });

  it("stops containers within the grace period on delete and removes the pod", async () => {
    const p = await running("term");
    const events = spawn("docker", ["events", "--filter", `label=io.kubernetes.pod.uid=${p.metadata.uid}`, "--filter", "event=die", "--filter", "event=kill", "--format", "{{json .}}"]);
    trackChild(events);
    let lines = "";
    events.stdout.on("data", (c: Buffer) => (lines += c.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await node.ok(["delete", "pod", "term", "--wait=false"]);
    type Ev = { Action: string; Actor: { Attributes: Record<string, string> }; timeNano: number };
    const parse = () => lines.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev).filter((e) => e.Actor.Attributes["io.kubernetes.container.name"]);
    await until(() => (parse().filter((e) => e.Action === "die").length >= 2 ? true : undefined), 20_000, "both containers to die");
    events.kill("SIGTERM");
    const evs = parse();
    const ev = (name: string, action: string, signal?: string) => {
      const e = evs.find((e) => e.Actor.Attributes["io.kubernetes.container.name"] === name && e.Action === action && (signal === undefined || e.Actor.Attributes.signal === signal));
      expect(e, `${name} ${action} ${signal ?? ""} in ${lines}`).toBeDefined();
      return e!.timeNano / 1e6;
    };
    // SIGTERM first (soon after the delete; the machine may be busy), then the grace period.
    expect(ev("polite", "kill", "15") - t0).toBeLessThan(8000);
    expect(evs.find((e) => e.Action === "die" && e.Actor.Attributes["io.kubernetes.container.name"] === "polite")?.Actor.Attributes.exitCode).toBe("0");
    expect(ev("polite", "die") - ev("polite", "kill", "15")).toBeLessThan(1000);
    expect(evs.find((e) => e.Action === "die" && e.Actor.Attributes["io.kubernetes.container.name"] === "stubborn")?.Actor.Attributes.exitCode).toBe("137");
    ev("stubborn", "kill", "9");
    const stubbornGrace = ev("stubborn", "die") - ev("stubborn", "kill", "15");
    expect(stubbornGrace).toBeGreaterThan(1800);
    expect(stubbornGrace).toBeLessThan(3500);
    await until(async () => ((await node.k(["get", "pod", "term"])).stderr.includes("NotFound") ? true : undefined), 10_000, "pod term gone");
    expect(dockerIdsByLabel(`io.kubernetes.pod.uid=${p.metadata.uid}`)).toEqual([]);
    expect(execFileSync("docker", ["ps", "-q", "--filter", `label=io.kubernetes.pod.uid=${p.metadata.uid}`], { encoding: "utf8" })).toBe("");
  });
});
