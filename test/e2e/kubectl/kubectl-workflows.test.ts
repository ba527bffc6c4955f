// The seed transcripts' other workflows with the real kubectl: create -f / replace -f,
// edit, --record, describe pod/rs, output formats, diff, dry runs and the read-only
// commands (api-resources, cluster-info, version), each against kates on real etcd.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fails, ok, parseTable, row, seed, seedText, startCluster, type Cluster } from "./helpers.js";

let c: Cluster;

beforeAll(async () => {
  c = await startCluster();
});

afterAll(async () => {
  await c?.stop();
});

const fixedRs = () => seedText("replicaset-myapp-replicaset.yaml").replace(" \t    image", "        image");

describe("create -f and replace -f", () => {
  it("create -f a seed, then AlreadyExists on the second create", async () => {
    expect(ok(await c.k(["create", "-f", seed("service-back-end.yaml")])).trim()).toBe("service/back-end created");
    const r = await c.k(["create", "-f", seed("service-back-end.yaml")]);
    expect(fails(r).trim()).toMatch(/^Error from server \(AlreadyExists\): error when creating ".*service-back-end\.yaml": services "back-end" already exists$/);
  });

  it("replace -f the ReplicaSet definition", async () => {
    const path = c.file("rs.yaml", fixedRs());
    expect(ok(await c.k(["create", "-f", path])).trim()).toBe("replicaset.apps/myapp-replicaset created");
    const replaced = c.file("rs-4.yaml", fixedRs().replace("replicas: 3", "replicas: 4"));
    expect(ok(await c.k(["replace", "-f", replaced])).trim()).toBe("replicaset.apps/myapp-replicaset replaced");
    expect(ok(await c.k(["get", "rs", "myapp-replicaset", "-o", "jsonpath={.spec.replicas}"]))).toBe("4");
  });

  it("create -f of an object with a wrong field type is refused with the field named", async () => {
    const bad = c.file("bad-labels.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  labels:\n    enabled: true\nspec:\n  containers:\n  - name: c\n    image: nginx\n");
    const err = fails(await c.k(["create", "-f", bad]));
    expect(err).toContain("metadata.labels");
    expect(fails(await c.k(["get", "pod", "bad"]))).toContain('pods "bad" not found');
  });

  it("create -f with an unknown field fails strict validation", async () => {
    const bad = c.file("unknown.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unknown-field\ndata:\n  a: b\nsurprise: 1\n");
    const err = fails(await c.k(["create", "-f", bad]));
    expect(err).toMatch(/unknown field "surprise"/);
  });
});

describe("edit and --record", () => {
  it("edit deployment with a scripted editor", async () => {
    ok(await c.k(["apply", "-f", seed("deployment-myapp-deployment-6-replicas.yaml")]));
    const editor = c.file("editor.sh", "#!/bin/sh\nsed -i 's/image: nginx$/image: nginx:1.24.0/' \"$1\"\n");
    const r = await c.k(["edit", "deployment", "myapp-deployment"], undefined, { EDITOR: `sh ${editor}` });
    expect(ok(r).trim()).toBe("deployment.apps/myapp-deployment edited");
    expect(ok(await c.k(["get", "deploy", "myapp-deployment", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]))).toBe("nginx:1.24.0");
  });

  it("apply --record stores the change cause", async () => {
    const r = await c.k(["apply", "-f", seed("deployment-nginx-deployment.yaml"), "--record"]);
    expect(ok(r).trim()).toBe("deployment.apps/nginx-deployment created");
    expect(r.stderr).toContain("Flag --record has been deprecated");
    const cause = ok(await c.k(["get", "deploy", "nginx-deployment", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/change-cause}"]));
    // kubectl records its whole command line, the harness's own flags included.
    expect(cause).toMatch(/^kubectl apply .*--filename=\S*deployment-nginx-deployment\.yaml --record=true$/);
  });
});

describe("describe", () => {
  it("describe po", async () => {
    ok(await c.k(["apply", "-f", seed("pod-myapp.yaml")]));
    const out = ok(await c.k(["describe", "po", "myapp"]));
    expect(out).toMatch(/^Name:\s+myapp$/m);
    expect(out).toMatch(/^Namespace:\s+default$/m);
    expect(out).toMatch(/^Labels:\s+app=myapp\n\s+type=front-end$/m);
    expect(out).toMatch(/^Status:\s+Pending$/m);
    expect(out).toMatch(/^\s+nginx-container:\n\s+Image:\s+nginx$/m);
    expect(out).toMatch(/^Events:\s+<none>$/m);
  });

  it("describe rs", async () => {
    const out = ok(await c.k(["describe", "rs", "myapp-replicaset"]));
    expect(out).toMatch(/^Name:\s+myapp-replicaset$/m);
    expect(out).toMatch(/^Selector:\s+type=front-end$/m);
    expect(out).toMatch(/^Replicas:\s+0 current \/ 4 desired$/m);
    expect(out).toMatch(/^Pods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
  });
});

describe("output formats", () => {
  it("get -o yaml, -o name, --show-labels, -L, --sort-by", async () => {
    const yaml = ok(await c.k(["get", "pod", "myapp", "-o", "yaml"]));
    expect(yaml).toMatch(/^apiVersion: v1\nkind: Pod\n/);
    expect(yaml).toContain("kubectl.kubernetes.io/last-applied-configuration");
    ok(await c.k(["run", "zzz", "--image=nginx", "--labels=app=zzz"]));
    expect(ok(await c.k(["get", "pods", "-o", "name"])).trim().split("\n")).toEqual(["pod/myapp", "pod/zzz"]);
    const labels = parseTable(ok(await c.k(["get", "pods", "--show-labels"])));
    expect(row(labels, "myapp").LABELS).toBe("app=myapp,type=front-end");
    const l = parseTable(ok(await c.k(["get", "pods", "-L", "app"])));
    expect(row(l, "zzz").APP).toBe("zzz");
    const sorted = parseTable(ok(await c.k(["get", "pods", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image"])));
    expect(sorted.rows).toEqual([["myapp", "nginx"], ["zzz", "nginx"]]);
  });

  it("get deploy -o wide and a single-object get", async () => {
    const t = parseTable(ok(await c.k(["get", "deploy", "-o", "wide"])));
    expect(t.header).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    expect(row(t, "nginx-deployment")).toMatchObject({ CONTAINERS: "nginx", IMAGES: "nginx:1.14.2", SELECTOR: "app=nginx" });
    const one = parseTable(ok(await c.k(["get", "deployment", "nginx-deployment"])));
    expect(one.rows).toHaveLength(1);
  });

  it("get nodes with none prints No resources found", async () => {
    const r = await c.k(["get", "nodes"]);
    expect(ok(r)).toBe("");
    expect(r.stderr.trim()).toBe("No resources found");
  });
});

describe("dry runs and diff", () => {
  it("apply --dry-run=server changes nothing", async () => {
    const path = c.file("dry.yaml", seedText("deployment-nginx-deployment.yaml").replace("replicas: 3", "replicas: 9"));
    expect(ok(await c.k(["apply", "-f", path, "--dry-run=server"])).trim()).toBe("deployment.apps/nginx-deployment configured (server dry run)");
    expect(ok(await c.k(["get", "deploy", "nginx-deployment", "-o", "jsonpath={.spec.replicas}"]))).toBe("3");
  });

  it("diff shows the change and exits 1", async () => {
    const path = c.file("diff.yaml", seedText("deployment-nginx-deployment.yaml").replace("replicas: 3", "replicas: 5"));
    const r = await c.k(["diff", "-f", path]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^-\s+replicas: 3$/m);
    expect(r.stdout).toMatch(/^\+\s+replicas: 5$/m);
    // The --record above put change-cause into last-applied, so use an object applied plainly.
    ok(await c.k(["apply", "-f", seed("deployment-httpd-frontend.yaml")]));
    const same = await c.k(["diff", "-f", seed("deployment-httpd-frontend.yaml")]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toBe("");
  });
});

describe("read-only commands", () => {
  it("api-resources lists short names and groups", async () => {
    const t = parseTable(ok(await c.k(["api-resources"])));
    expect(t.header).toEqual(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
    expect(row(t, "deployments")).toMatchObject({ SHORTNAMES: "deploy", APIVERSION: "apps/v1", NAMESPACED: "true", KIND: "Deployment" });
    expect(row(t, "namespaces")).toMatchObject({ SHORTNAMES: "ns", NAMESPACED: "false" });
  });

  it("cluster-info and version", async () => {
    expect(ok(await c.k(["cluster-info"]))).toContain(`Kubernetes control plane is running at ${c.cp.url}`);
    expect(ok(await c.k(["version"]))).toMatch(/^Server Version: v1\.32\.\d+$/m);
  });
});

describe("delete", () => {
  it("delete deployment by name, delete pod --all", async () => {
    expect(ok(await c.k(["delete", "deployment", "myapp-deployment"])).trim()).toBe('deployment.apps "myapp-deployment" deleted');
    expect(ok(await c.k(["delete", "pod", "--all"])).trim().split("\n").sort()).toEqual(['pod "myapp" deleted', 'pod "zzz" deleted']);
    const r = await c.k(["get", "pods"]);
    expect(r.stderr.trim()).toBe("No resources found in default namespace.");
    expect(ok(await c.k(["delete", "pod", "gone", "--ignore-not-found"]))).toBe("");
  });
});

describe("kind: List documents", () => {
  it("apply -f of a List (what get -o yaml prints) creates each item, and the server validates each", async () => {
    const list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed-a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed-b\n";
    const out = ok(await c.k(["apply", "-f", c.file("list.yaml", list)]));
    expect(out).toContain("configmap/listed-a created");
    expect(out).toContain("configmap/listed-b created");
    const exported = ok(await c.k(["get", "configmap", "listed-a", "listed-b", "-o", "yaml"]));
    expect(ok(await c.k(["apply", "-f", c.file("exported.yaml", exported)]))).toContain("configmap/listed-a");
    const bad = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed-bad\n  bogus: 1\n";
    expect(fails(await c.k(["apply", "-f", c.file("bad-list.yaml", bad)]))).toContain('unknown field "bogus"');
  });
});
