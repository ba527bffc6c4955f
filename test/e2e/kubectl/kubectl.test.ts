// The real kubectl (default flags, so OpenAPI-backed strict validation) against kates on a
// real 3-member etcd: the seed manifests as users paste them, then the everyday commands of
// issue 2, asserting kubectl's own columns, messages and exit codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fails, ok, parseTable, parseTables, row, seed, seedText, startCluster, until, type Cluster } from "./helpers.js";

let c: Cluster;

beforeAll(async () => {
  c = await startCluster();
});

afterAll(async () => {
  await c?.stop();
});

const jsonpath = async (target: string[], path: string) => ok(await c.k(["get", ...target, "-o", `jsonpath={${path}}`]));

describe("apply -f the seed manifests", () => {
  it.each([
    ["pod-myapp.yaml", "pod/myapp created"],
    ["deployment-myapp-deployment.yaml", "deployment.apps/myapp-deployment created"],
    ["deployment-nginx-deployment.yaml", "deployment.apps/nginx-deployment created"],
    ["deployment-httpd-frontend.yaml", "deployment.apps/httpd-frontend created"],
    ["service-myapp-service-30008.yaml", "service/myapp-service created"],
    ["service-back-end.yaml", "service/back-end created"],
  ])("%s", async (file, message) => {
    expect(ok(await c.k(["apply", "-f", seed(file)])).trim()).toBe(message);
  });

  it("applies the later versions of the same objects as updates (configured)", async () => {
    expect(ok(await c.k(["apply", "-f", seed("deployment-myapp-deployment-6-replicas.yaml")])).trim()).toBe("deployment.apps/myapp-deployment configured");
    expect(await jsonpath(["deploy", "myapp-deployment"], ".spec.replicas")).toBe("6");
    // 30008 -> 30004 and one selector key fewer: the three-way merge must null `type`.
    expect(ok(await c.k(["apply", "-f", seed("service-myapp-service.yaml")])).trim()).toBe("service/myapp-service configured");
    expect(await jsonpath(["svc", "myapp-service"], ".spec.ports[0].nodePort")).toBe("30004");
    expect(JSON.parse(await jsonpath(["svc", "myapp-service"], ".spec.selector"))).toEqual({ app: "myapp" });
  });

  it("re-applying an unchanged seed prints unchanged", async () => {
    expect(ok(await c.k(["apply", "-f", seed("pod-myapp.yaml")])).trim()).toBe("pod/myapp unchanged");
    expect(ok(await c.k(["apply", "-f", seed("service-back-end.yaml")])).trim()).toBe("service/back-end unchanged");
  });

  it("rejects the ReplicationController whose template is only a comment with 422 Invalid", async () => {
    // kubectl prints an Invalid Status that has causes as one bullet per cause, dropping
    // the "error when creating" context; Kubernetes reports exactly these two causes.
    const err = fails(await c.k(["apply", "-f", seed("rc-myapp-rc.yaml")]));
    expect(err).toBe('The ReplicationController "myapp-rc" is invalid: \n* spec.selector: Required value\n* spec.template.spec.containers: Required value\n');
    expect(fails(await c.k(["get", "rc", "myapp-rc"]))).toContain('Error from server (NotFound): replicationcontrollers "myapp-rc" not found');
  });

  it("refuses the ReplicaSet with a tab in its indentation before sending anything", async () => {
    const err = fails(await c.k(["apply", "-f", seed("replicaset-myapp-replicaset.yaml")]));
    expect(err.trim()).toMatch(/^error: error parsing .*replicaset-myapp-replicaset\.yaml: error converting YAML to JSON: yaml: line 19: found a tab character that violates indentation$/);
    // With the tab replaced by spaces the rest of the snippet is a valid ReplicaSet.
    const fixed = c.file("replicaset-fixed.yaml", seedText("replicaset-myapp-replicaset.yaml").replace(" \t    image", "        image"));
    expect(ok(await c.k(["apply", "-f", fixed])).trim()).toBe("replicaset.apps/myapp-replicaset created");
  });
});

describe("get", () => {
  it("get pods -o wide prints the wide pod columns", async () => {
    const t = parseTable(ok(await c.k(["get", "pods", "-o", "wide"])));
    expect(t.header).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    expect(row(t, "myapp")).toMatchObject({ READY: "0/1", STATUS: "Pending", RESTARTS: "0", IP: "<none>", NODE: "<none>" });
    expect(row(t, "myapp").AGE).toMatch(/^\d+s$/);
  });

  it("get deploy, get rs", async () => {
    const d = parseTable(ok(await c.k(["get", "deploy"])));
    expect(d.header).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    expect(row(d, "myapp-deployment")).toMatchObject({ READY: "0/6", "UP-TO-DATE": "0", AVAILABLE: "0" });
    expect(row(d, "httpd-frontend")).toMatchObject({ READY: "0/3" });
    const rs = parseTable(ok(await c.k(["get", "rs"])));
    expect(rs.header).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    expect(row(rs, "myapp-replicaset")).toMatchObject({ DESIRED: "3", CURRENT: "0", READY: "0" });
  });

  it("get svc shows the kubernetes Service and the NodePort", async () => {
    const t = parseTable(ok(await c.k(["get", "svc"])));
    expect(t.header).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    expect(row(t, "kubernetes")).toMatchObject({ TYPE: "ClusterIP", "CLUSTER-IP": "10.96.0.1", "EXTERNAL-IP": "<none>", "PORT(S)": "443/TCP" });
    expect(row(t, "myapp-service")).toMatchObject({ TYPE: "NodePort", "PORT(S)": "80:30004/TCP" });
    expect(row(t, "myapp-service")["CLUSTER-IP"]).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(row(t, "back-end")).toMatchObject({ TYPE: "ClusterIP", "PORT(S)": "80/TCP" });
  });

  it("get all prints one table per kind with kind/name prefixes", async () => {
    const tables = parseTables(ok(await c.k(["get", "all"])));
    const names = tables.flatMap((t) => t.rows.map((r) => r[0]));
    expect(names).toEqual(expect.arrayContaining(["pod/myapp", "service/kubernetes", "service/myapp-service", "deployment.apps/myapp-deployment", "replicaset.apps/myapp-replicaset"]));
    expect(tables.map((t) => t.rows[0]![0]!.split("/")[0])).toEqual(["pod", "service", "deployment.apps", "replicaset.apps"]);
  });

  it("get po -A adds NAMESPACE", async () => {
    const t = parseTable(ok(await c.k(["get", "po", "-A"])));
    expect(t.header).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(t.rows).toContainEqual(expect.arrayContaining(["default", "myapp", "0/1", "Pending"]));
  });

  it("get of a missing object is NotFound", async () => {
    const r = await c.k(["get", "pod", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });
});

describe("describe", () => {
  it("describe deploy", async () => {
    const out = ok(await c.k(["describe", "deploy", "myapp-deployment"]));
    expect(out).toMatch(/^Name:\s+myapp-deployment$/m);
    expect(out).toMatch(/^Namespace:\s+default$/m);
    expect(out).toMatch(/^Labels:\s+app=nginx\n\s+tier=frontend$/m);
    expect(out).toMatch(/^Selector:\s+app=myapp$/m);
    expect(out).toMatch(/^Replicas:\s+6 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m);
    expect(out).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(out).toMatch(/^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    expect(out).toMatch(/^\s+nginx:\n\s+Image:\s+nginx$/m);
    expect(out).toMatch(/^Events:/m);
  });

  it("describe svc kubernetes", async () => {
    const out = ok(await c.k(["describe", "svc", "kubernetes"]));
    expect(out).toMatch(/^Name:\s+kubernetes$/m);
    expect(out).toMatch(/^Labels:\s+component=apiserver\n\s+provider=kubernetes$/m);
    expect(out).toMatch(/^Selector:\s+<none>$/m);
    expect(out).toMatch(/^Type:\s+ClusterIP$/m);
    expect(out).toMatch(/^IP:\s+10\.96\.0\.1$/m);
    expect(out).toMatch(/^Port:\s+https\s+443\/TCP$/m);
    expect(out).toMatch(new RegExp(`^TargetPort:\\s+${c.port}/TCP$`, "m"));
    expect(out).toMatch(new RegExp(`^Endpoints:\\s+127\\.0\\.0\\.1:${c.port}$`, "m"));
    expect(out).toMatch(/^Session Affinity:\s+None$/m);
  });
});

describe("label and annotate", () => {
  it("label, --overwrite and key- removal", async () => {
    expect(ok(await c.k(["label", "pod", "myapp", "tier=frontend"])).trim()).toBe("pod/myapp labeled");
    expect(await jsonpath(["pod", "myapp"], ".metadata.labels.tier")).toBe("frontend");
    const refused = await c.k(["label", "pod", "myapp", "tier=backend"]);
    expect(fails(refused)).toContain("'tier' already has a value (frontend), and --overwrite is false");
    expect(ok(await c.k(["label", "pod", "myapp", "tier=backend", "--overwrite"])).trim()).toBe("pod/myapp labeled");
    expect(ok(await c.k(["get", "pods", "-l", "tier=backend", "-o", "name"])).trim()).toBe("pod/myapp");
    expect(ok(await c.k(["label", "pod", "myapp", "tier-"])).trim()).toBe("pod/myapp unlabeled");
    expect(JSON.parse(await jsonpath(["pod", "myapp"], ".metadata.labels"))).toEqual({ app: "myapp", type: "front-end" });
  });

  it("annotate", async () => {
    expect(ok(await c.k(["annotate", "pod", "myapp", "owner=team-a"])).trim()).toBe("pod/myapp annotated");
    expect(await jsonpath(["pod", "myapp"], ".metadata.annotations.owner")).toBe("team-a");
    expect(ok(await c.k(["annotate", "pod", "myapp", "owner-"])).trim()).toBe("pod/myapp annotated");
    expect(await jsonpath(["pod", "myapp"], ".metadata.annotations.owner")).toBe("");
  });
});

describe("scale and set image", () => {
  it("scale --replicas=6 deployment/NAME (merge patch on /scale)", async () => {
    expect(ok(await c.k(["scale", "--replicas=6", "deployment/nginx-deployment"])).trim()).toBe("deployment.apps/nginx-deployment scaled");
    expect(await jsonpath(["deploy", "nginx-deployment"], ".spec.replicas")).toBe("6");
  });

  it("scale --current-replicas (PUT /scale without a Content-Type)", async () => {
    expect(ok(await c.k(["scale", "--current-replicas=6", "--replicas=7", "deployment/nginx-deployment"])).trim()).toBe("deployment.apps/nginx-deployment scaled");
    expect(await jsonpath(["deploy", "nginx-deployment"], ".spec.replicas")).toBe("7");
    expect(fails(await c.k(["scale", "--current-replicas=3", "--replicas=8", "deployment/nginx-deployment"]))).toContain("Expected replicas to be 3, was 7");
    expect(await jsonpath(["deploy", "nginx-deployment"], ".spec.replicas")).toBe("7");
  });

  it("scale a ReplicaSet by file", async () => {
    const fixed = c.file("rs-scale.yaml", seedText("replicaset-myapp-replicaset.yaml").replace(" \t    image", "        image"));
    expect(ok(await c.k(["scale", "--replicas=5", "-f", fixed])).trim()).toBe("replicaset.apps/myapp-replicaset scaled");
    expect(await jsonpath(["rs", "myapp-replicaset"], ".spec.replicas")).toBe("5");
  });

  it("set image", async () => {
    expect(ok(await c.k(["set", "image", "deployment/nginx-deployment", "nginx=nginx:1.24.0"])).trim()).toBe("deployment.apps/nginx-deployment image updated");
    expect(await jsonpath(["deploy", "nginx-deployment"], ".spec.template.spec.containers[0].image")).toBe("nginx:1.24.0");
    // Strategic merge by container name: the port of the seed stays.
    expect(await jsonpath(["deploy", "nginx-deployment"], ".spec.template.spec.containers[0].ports[0].containerPort")).toBe("80");
  });
});

describe("create <generator> (protobuf bodies) and run", () => {
  it("create deployment", async () => {
    expect(ok(await c.k(["create", "deployment", "hello-andre", "--image=nginx"])).trim()).toBe("deployment.apps/hello-andre created");
    const d = JSON.parse(ok(await c.k(["get", "deploy", "hello-andre", "-o", "json"])));
    expect(d.spec).toMatchObject({ replicas: 1, selector: { matchLabels: { app: "hello-andre" } }, strategy: { type: "RollingUpdate" } });
    expect(d.spec.template.spec.containers).toMatchObject([{ name: "nginx", image: "nginx" }]);
    expect(d.metadata.creationTimestamp).toMatch(/^\d{4}-/);
    expect(d.status?.replicas ?? 0).toBe(0);
  });

  it("create namespace, configmap, secret generic, serviceaccount", async () => {
    expect(ok(await c.k(["create", "namespace", "e2e-ns"])).trim()).toBe("namespace/e2e-ns created");
    expect(row(parseTable(ok(await c.k(["get", "ns", "e2e-ns"]))), "e2e-ns")).toMatchObject({ STATUS: "Active" });
    expect(ok(await c.k(["create", "configmap", "cfg", "--from-literal=color=blue", "-n", "e2e-ns"])).trim()).toBe("configmap/cfg created");
    expect(await jsonpath(["cm", "cfg", "-n", "e2e-ns"], ".data.color")).toBe("blue");
    expect(ok(await c.k(["create", "secret", "generic", "sec", "--from-literal=password=s3cret", "-n", "e2e-ns"])).trim()).toBe("secret/sec created");
    expect(await jsonpath(["secret", "sec", "-n", "e2e-ns"], ".data.password")).toBe(Buffer.from("s3cret").toString("base64"));
    expect(await jsonpath(["secret", "sec", "-n", "e2e-ns"], ".type")).toBe("Opaque");
    expect(ok(await c.k(["create", "serviceaccount", "robot", "-n", "e2e-ns"])).trim()).toBe("serviceaccount/robot created");
    expect(ok(await c.k(["get", "sa", "-n", "e2e-ns", "-o", "name"]))).toContain("serviceaccount/robot");
  });

  it("create job", async () => {
    expect(ok(await c.k(["create", "job", "hello-job", "--image=busybox", "--", "echo", "hi"])).trim()).toBe("job.batch/hello-job created");
    const job = JSON.parse(ok(await c.k(["get", "job", "hello-job", "-o", "json"])));
    expect(job.spec.template.spec.containers).toMatchObject([{ name: "hello-job", image: "busybox", command: ["echo", "hi"] }]);
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
  });

  it("create service clusterip", async () => {
    expect(ok(await c.k(["create", "service", "clusterip", "my-cs", "--tcp=5678:8080"])).trim()).toBe("service/my-cs created");
    const svc = JSON.parse(ok(await c.k(["get", "svc", "my-cs", "-o", "json"])));
    expect(svc.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "5678-8080", port: 5678, targetPort: 8080, protocol: "TCP" }] });
    expect(svc.spec.clusterIP).toMatch(/^10\./);
  });

  it("run, and run --dry-run=server stores nothing", async () => {
    expect(ok(await c.k(["run", "nginx", "--image=nginx"])).trim()).toBe("pod/nginx created");
    expect(await jsonpath(["pod", "nginx"], ".metadata.labels.run")).toBe("nginx");
    expect(ok(await c.k(["run", "dry", "--image=nginx", "--dry-run=server"])).trim()).toBe("pod/dry created (server dry run)");
    expect(fails(await c.k(["get", "pod", "dry"])).trim()).toBe('Error from server (NotFound): pods "dry" not found');
  });

  it("expose deployment", async () => {
    expect(ok(await c.k(["expose", "deployment", "myapp-deployment", "--port=80", "--target-port=8080"])).trim()).toBe("service/myapp-deployment exposed");
    const svc = JSON.parse(ok(await c.k(["get", "svc", "myapp-deployment", "-o", "json"])));
    expect(svc.spec).toMatchObject({ type: "ClusterIP", selector: { app: "myapp" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] });
    expect(svc.spec.clusterIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
  });
});

describe("explain", () => {
  it("explain deployment.spec", async () => {
    const out = ok(await c.k(["explain", "deployment.spec"]));
    expect(out).toMatch(/^GROUP:\s+apps$/m);
    expect(out).toMatch(/^KIND:\s+Deployment$/m);
    expect(out).toMatch(/^FIELD:\s+spec <DeploymentSpec>$/m);
    expect(out).toMatch(/^DESCRIPTION:$/m);
    expect(out).toMatch(/^FIELDS:$/m);
    expect(out).toMatch(/^\s+replicas\s+<integer>$/m);
    expect(out).toMatch(/^\s+selector\s+<LabelSelector> -required-$/m);
    expect(out).toMatch(/^\s+template\s+<PodTemplateSpec> -required-$/m);
  });
});

describe("get pods -w", () => {
  it("prints the initial rows once, then one row per change", async () => {
    const w = c.watch(["get", "pods", "-w"]);
    try {
      await w.waitForOutput(/^myapp\s/m);
      expect(ok(await c.k(["run", "watched", "--image=nginx"])).trim()).toBe("pod/watched created");
      expect(ok(await c.k(["label", "pod", "watched", "seen=yes"])).trim()).toBe("pod/watched labeled");
      const count = (name: string) => w.stdout().split("\n").filter((l) => l.split(/\s+/)[0] === name).length;
      await until(() => count("watched") >= 2);
      await new Promise((r) => setTimeout(r, 1000)); // room for a duplicate to show up
      expect(count("watched"), w.stdout()).toBe(2);
      expect(count("myapp"), w.stdout()).toBe(1);
      expect(w.stdout().split("\n").filter((l) => l.startsWith("NAME ")).length).toBe(1);
    } finally {
      await w.stop();
    }
  });
});

describe("apply again after editing", () => {
  it("client-side apply merges edits, nulls removed fields, then prints unchanged", async () => {
    const edited = seedText("deployment-httpd-frontend.yaml")
      .replace("replicas: 3", "replicas: 2")
      .replace("image: httpd:2.4-alpine", "image: httpd:2.4")
      .replace(/        command:\n(        - .*\n)+/, "");
    const path = c.file("httpd-frontend.yaml", edited);
    expect(ok(await c.k(["apply", "-f", path])).trim()).toBe("deployment.apps/httpd-frontend configured");
    const d = JSON.parse(ok(await c.k(["get", "deploy", "httpd-frontend", "-o", "json"])));
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers).toHaveLength(1);
    expect(d.spec.template.spec.containers[0].image).toBe("httpd:2.4");
    expect(d.spec.template.spec.containers[0].command).toBeUndefined();
    expect(ok(await c.k(["apply", "-f", path])).trim()).toBe("deployment.apps/httpd-frontend unchanged");
  });
});

describe("apply --server-side", () => {
  it("upserts a new object and updates it", async () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  color: ${v}\n`;
    expect(ok(await c.k(["apply", "--server-side", "-f", c.file("ssa-1.yaml", cm("red"))])).trim()).toBe("configmap/ssa-cm serverside-applied");
    expect(ok(await c.k(["apply", "--server-side", "-f", c.file("ssa-2.yaml", cm("green"))])).trim()).toBe("configmap/ssa-cm serverside-applied");
    const got = JSON.parse(ok(await c.k(["get", "cm", "ssa-cm", "-o", "json", "--show-managed-fields"])));
    expect(got.data).toEqual({ color: "green" });
    expect(got.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: "kubectl", operation: "Apply" }));
  });

  it("takes over a seed created by client-side apply", async () => {
    expect(ok(await c.k(["apply", "--server-side", "-f", seed("service-back-end.yaml")])).trim()).toBe("service/back-end serverside-applied");
  });
});

describe("delete -f", () => {
  it("deletes the seed objects", async () => {
    expect(ok(await c.k(["delete", "-f", seed("service-back-end.yaml")])).trim()).toBe('service "back-end" deleted');
    expect(fails(await c.k(["get", "svc", "back-end"])).trim()).toBe('Error from server (NotFound): services "back-end" not found');
    expect(ok(await c.k(["delete", "-f", seed("deployment-myapp-deployment.yaml")])).trim()).toBe('deployment.apps "myapp-deployment" deleted');
    expect(ok(await c.k(["delete", "-f", seed("pod-myapp.yaml")])).trim()).toBe('pod "myapp" deleted');
    expect(fails(await c.k(["get", "pod", "myapp"])).trim()).toBe('Error from server (NotFound): pods "myapp" not found');
  });
});
