// Garbage collector, namespace and service account controllers against the real apiserver
// and etcd, with the controller-manager running in-process: background, foreground and
// orphan propagation between ConfigMaps, uid-checked owners, and namespace deletion with
// content through the real kubectl.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type KObject, type Namespace, type OwnerReference, type Pod, type ServiceAccount } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl } from "../../harness/kubectl.js";
import { gone, startControllerManager, until, type InProcessControllerManager } from "./cluster.js";

let cp: ControlPlane;
let rest: RestClient;
let cm: InProcessControllerManager;
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;
const configmaps = (ns = "default") => rest.resource<KObject>(ri("", "configmaps"), ns);
const namespaces = () => rest.resource<Namespace>(ri("", "namespaces"));

const ownerRef = (o: KObject, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid!, ...extra });
const configMap = (name: string, owners: OwnerReference[] = []): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ownerReferences: owners.length ? owners : undefined }, data: { k: name } });

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-gc", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-gc-test" });
  cm = startControllerManager(cp.url, ["garbagecollector", "namespace", "serviceaccount"]);
});

afterAll(async () => {
  await cm?.stop();
  rest?.close();
  await cp?.stop();
});

describe("garbage collector", () => {
  it("deletes dependents in the background once their owner is gone", async () => {
    const owner = await configmaps().create(configMap("bg-owner"));
    await configmaps().create(configMap("bg-dep-1", [ownerRef(owner)]));
    await configmaps().create(configMap("bg-dep-2", [ownerRef(owner)]));
    await configmaps().delete("bg-owner");
    await gone(() => configmaps().get("bg-dep-1"), 10_000, "bg-dep-1");
    await gone(() => configmaps().get("bg-dep-2"), 10_000, "bg-dep-2");
  });

  it("keeps a dependent with two owners until both are gone, dropping the dead reference", async () => {
    const a = await configmaps().create(configMap("multi-a"));
    const b = await configmaps().create(configMap("multi-b"));
    await configmaps().create(configMap("multi-dep", [ownerRef(a), ownerRef(b)]));
    await configmaps().delete("multi-a");
    const dep = await until(async () => {
      const d = await configmaps().get("multi-dep");
      return d.metadata.ownerReferences?.length === 1 ? d : undefined;
    }, 10_000, "dangling reference removed");
    expect(dep.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
    await configmaps().delete("multi-b");
    await gone(() => configmaps().get("multi-dep"), 10_000, "multi-dep");
  });

  it("treats an owner re-created under the same name (new uid) as gone", async () => {
    const owner = await configmaps().create(configMap("uid-owner"));
    const staleRef = ownerRef(owner);
    await configmaps().delete("uid-owner");
    await configmaps().create(configMap("uid-owner"));
    await configmaps().create(configMap("uid-dep", [staleRef]));
    await gone(() => configmaps().get("uid-dep"), 10_000, "uid-dep");
    expect((await configmaps().get("uid-owner")).metadata.uid).not.toBe(owner.metadata.uid);
  });

  it("does not delete a dependent whose owner exists", async () => {
    const owner = await configmaps().create(configMap("live-owner"));
    await configmaps().create(configMap("live-dep", [ownerRef(owner)]));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await configmaps().get("live-dep")).metadata.ownerReferences?.[0]?.uid).toBe(owner.metadata.uid);
  });

  it("foreground: the owner stays until its blocking dependents are gone", async () => {
    const owner = await configmaps().create(configMap("fg-owner"));
    // A finalizer keeps the blocking dependent around until the test lets it go.
    const held = configMap("fg-held", [ownerRef(owner, { blockOwnerDeletion: true })]);
    held.metadata.finalizers = ["example.com/hold"];
    await configmaps().create(held);
    await configmaps().create(configMap("fg-plain", [ownerRef(owner)]));
    await configmaps().delete("fg-owner", { propagationPolicy: "Foreground" });
    await gone(() => configmaps().get("fg-plain"), 10_000, "fg-plain");
    const deleting = await until(async () => ((await configmaps().get("fg-held")).metadata.deletionTimestamp ? true : undefined), 10_000, "fg-held deleting");
    expect(deleting).toBe(true);
    const stillThere = await configmaps().get("fg-owner");
    expect(stillThere.metadata.finalizers).toContain("foregroundDeletion");
    await configmaps().patch("fg-held", [{ op: "remove", path: "/metadata/finalizers" }], "json");
    await gone(() => configmaps().get("fg-owner"), 10_000, "fg-owner");
  });

  it("foreground cascades through a chain: grandchild, then child, then owner", async () => {
    const a = await configmaps().create(configMap("chain-a"));
    const b = await configmaps().create(configMap("chain-b", [ownerRef(a, { blockOwnerDeletion: true })]));
    await configmaps().create(configMap("chain-c", [ownerRef(b, { blockOwnerDeletion: true })]));
    const ac = new AbortController();
    const order: string[] = [];
    const watching = (async () => {
      for await (const ev of configmaps().watch({ resourceVersion: (await configmaps().list()).metadata.resourceVersion, signal: ac.signal })) {
        if (ev.type === "DELETED" && ev.object.metadata.name?.startsWith("chain-")) order.push(ev.object.metadata.name);
        if (order.length === 3) break;
      }
    })();
    await configmaps().delete("chain-a", { propagationPolicy: "Foreground" });
    await until(() => (order.length === 3 ? true : undefined), 10_000, "chain deleted");
    ac.abort();
    await watching.catch(() => undefined);
    expect(order).toEqual(["chain-c", "chain-b", "chain-a"]);
  });

  it("orphan: dependents lose the reference and survive the owner", async () => {
    const owner = await configmaps().create(configMap("or-owner"));
    await configmaps().create(configMap("or-dep", [ownerRef(owner, { blockOwnerDeletion: true, controller: true })]));
    await configmaps().delete("or-owner", { propagationPolicy: "Orphan" });
    await gone(() => configmaps().get("or-owner"), 10_000, "or-owner");
    const dep = await configmaps().get("or-dep");
    expect(dep.metadata.ownerReferences ?? []).toEqual([]);
  });

  it("follows kubectl delete --cascade=orphan and =foreground", async () => {
    const owner = await configmaps().create(configMap("kc-owner"));
    await configmaps().create(configMap("kc-dep", [ownerRef(owner)]));
    const r = await kubectl(["delete", "configmap", "kc-owner", "--cascade=orphan"], { server: cp.url });
    expect(r.code, r.stderr).toBe(0);
    await gone(() => configmaps().get("kc-owner"), 10_000, "kc-owner");
    expect((await configmaps().get("kc-dep")).metadata.ownerReferences ?? []).toEqual([]);

    const owner2 = await configmaps().create(configMap("kc-owner2"));
    await configmaps().create(configMap("kc-dep2", [ownerRef(owner2, { blockOwnerDeletion: true })]));
    const r2 = await kubectl(["delete", "configmap", "kc-owner2", "--cascade=foreground"], { server: cp.url });
    expect(r2.code, r2.stderr).toBe(0);
    await gone(() => configmaps().get("kc-dep2"), 10_000, "kc-dep2");
    await gone(() => configmaps().get("kc-owner2"), 10_000, "kc-owner2");
  });

  it("deletes pods of a deleted ReplicaSet across resources", async () => {
    const rs = await rest.resource<KObject>(findResource("apps", "v1", "replicasets")!, "default").create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "gc-rs" },
      spec: { replicas: 0, selector: { matchLabels: { app: "gc-rs" } }, template: { metadata: { labels: { app: "gc-rs" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "gc-rs-pod", labels: { app: "gc-rs" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "gc-rs", uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    };
    const pods = rest.resource<Pod>(ri("", "pods"), "default");
    await pods.create(pod);
    await rest.resource<KObject>(findResource("apps", "v1", "replicasets")!, "default").delete("gc-rs");
    await gone(() => pods.get("gc-rs-pod"), 10_000, "gc-rs-pod");
  });
});

describe("namespaces", () => {
  it("get a default ServiceAccount", async () => {
    await namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "sa-check" } });
    const sa = await until(() => rest.resource<ServiceAccount>(ri("", "serviceaccounts"), "sa-check").get("default"), 10_000, "default SA");
    expect(sa.metadata.namespace).toBe("sa-check");
  });

  it("kubectl delete ns removes everything in it, then the namespace", async () => {
    await namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    await configmaps("doomed").create(configMap("a"));
    await rest.resource<KObject>(ri("", "secrets"), "doomed").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: {} });
    await rest.resource<KObject>(ri("", "services"), "doomed").create({ apiVersion: "v1", kind: "Service", metadata: { name: "svc" }, spec: { ports: [{ port: 80 }], selector: { app: "x" } } });
    await rest.resource<KObject>(findResource("apps", "v1", "deployments")!, "doomed").create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    // A pod bound to a node that does not exist has no kubelet: it must be force-deleted.
    await rest.resource<Pod>(ri("", "pods"), "doomed").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "orphan" }, spec: { nodeName: "no-such-node", containers: [{ name: "c", image: "busybox" }] } });
    await rest.resource<Pod>(ri("", "pods"), "doomed").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "pending" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    const started = Date.now();
    const r = await kubectl(["delete", "ns", "doomed", "--timeout=30s"], { server: cp.url, timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('namespace "doomed" deleted');
    await gone(() => namespaces().get("doomed"), 5_000, "namespace doomed");
    expect(Date.now() - started).toBeLessThan(30_000);
    // Re-creating it starts empty.
    await namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    expect((await configmaps("doomed").list()).items.filter((c) => c.metadata.name === "a")).toEqual([]);
  });

  it("waits for a terminating pod's kubelet before finishing", async () => {
    await rest.resource<KObject>(ri("", "nodes")).create({ apiVersion: "v1", kind: "Node", metadata: { name: "ns-node" } });
    await namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "slow" } });
    const pods = rest.resource<Pod>(ri("", "pods"), "slow");
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "ns-node", containers: [{ name: "c", image: "busybox" }] } });
    await namespaces().delete("slow");
    const terminating = await until(async () => ((await pods.get("p")).metadata.deletionTimestamp ? true : undefined), 10_000, "pod terminating");
    expect(terminating).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const slow = await namespaces().get("slow");
    expect(slow.status?.phase).toBe("Terminating");
    expect(slow.status?.conditions?.find((c) => c.type === "NamespaceContentRemaining")).toMatchObject({ status: "True", message: "Some resources are remaining: pods. has 1 resource instances" });
    const described = await kubectl(["describe", "ns", "slow"], { server: cp.url });
    expect(described.stdout).toContain("NamespaceContentRemaining");
    // Play the kubelet: finish the pod.
    await pods.delete("p", { gracePeriodSeconds: 0 });
    await gone(() => namespaces().get("slow"), 10_000, "namespace slow");
  });
});
