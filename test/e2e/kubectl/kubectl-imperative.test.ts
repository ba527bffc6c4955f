// Imperative updates with the real kubectl against kates: the rollout verbs that only patch,
// kubectl patch in all three types, set env/resources, server-side apply conflicts, wait,
// multi-object files and directories, selectors and paging.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fails, ok, parseTable, row, seed, seedText, startCluster, type Cluster } from "./helpers.js";

let c: Cluster;

beforeAll(async () => {
  c = await startCluster();
  ok(await c.k(["apply", "-f", seed("deployment-myapp-deployment-6-replicas.yaml")]));
});

afterAll(async () => {
  await c?.stop();
});

const get = async (target: string[], path: string) => ok(await c.k(["get", ...target, "-o", `jsonpath={${path}}`]));

describe("rollout pause, resume, restart", () => {
  it("patch the deployment and print kubectl's messages", async () => {
    expect(ok(await c.k(["rollout", "pause", "deployment/myapp-deployment"])).trim()).toBe("deployment.apps/myapp-deployment paused");
    expect(await get(["deploy", "myapp-deployment"], ".spec.paused")).toBe("true");
    expect(fails(await c.k(["rollout", "pause", "deployment/myapp-deployment"]))).toContain('deployments.apps "myapp-deployment" is already paused');
    expect(ok(await c.k(["rollout", "resume", "deployment/myapp-deployment"])).trim()).toBe("deployment.apps/myapp-deployment resumed");
    expect(await get(["deploy", "myapp-deployment"], ".spec.paused")).toBe("");
    expect(ok(await c.k(["rollout", "restart", "deployment/myapp-deployment"])).trim()).toBe("deployment.apps/myapp-deployment restarted");
    expect(await get(["deploy", "myapp-deployment"], ".spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt")).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("rollout history", () => {
  it("finds no revisions while no controller has made ReplicaSets", async () => {
    // Two GETs (json, then protobuf-or-json) and an unpaged ReplicaSet list by selector.
    expect(ok(await c.k(["rollout", "history", "deployment/myapp-deployment"])).trim()).toMatch(/^deployment\.apps\/myapp-deployment\s*\nNo rollout history found\.$/);
  });
});

describe("patch and set", () => {
  it("kubectl patch --type merge, json and strategic", async () => {
    expect(ok(await c.k(["patch", "deploy", "myapp-deployment", "--type=merge", "-p", '{"spec":{"minReadySeconds":5}}'])).trim()).toBe("deployment.apps/myapp-deployment patched");
    expect(await get(["deploy", "myapp-deployment"], ".spec.minReadySeconds")).toBe("5");
    expect(ok(await c.k(["patch", "deploy", "myapp-deployment", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]'])).trim()).toBe("deployment.apps/myapp-deployment patched");
    expect(await get(["deploy", "myapp-deployment"], ".spec.replicas")).toBe("4");
    const sidecar = '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}';
    expect(ok(await c.k(["patch", "deploy", "myapp-deployment", "-p", sidecar])).trim()).toBe("deployment.apps/myapp-deployment patched");
    expect(await get(["deploy", "myapp-deployment"], ".spec.template.spec.containers[*].name")).toBe("sidecar nginx");
    expect(ok(await c.k(["patch", "deploy", "myapp-deployment", "-p", sidecar])).trim()).toBe("deployment.apps/myapp-deployment patched (no change)");
    const badJson = await c.k(["patch", "deploy", "myapp-deployment", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":99}]']);
    // Kubernetes answers a failed JSON-patch test with a 422 whose only cause has no field.
    expect(fails(badJson).trim()).toBe("The request is invalid: : testing value /spec/replicas failed: test failed");
  });

  it("set env and set resources", async () => {
    expect(ok(await c.k(["set", "env", "deployment/myapp-deployment", "-c", "nginx", "MODE=prod"])).trim()).toBe("deployment.apps/myapp-deployment env updated");
    expect(await get(["deploy", "myapp-deployment"], '.spec.template.spec.containers[?(@.name=="nginx")].env[0].value')).toBe("prod");
    expect(ok(await c.k(["set", "resources", "deployment/myapp-deployment", "-c", "nginx", "--limits=cpu=200m,memory=128Mi"])).trim()).toBe("deployment.apps/myapp-deployment resource requirements updated");
    expect(await get(["deploy", "myapp-deployment"], '.spec.template.spec.containers[?(@.name=="nginx")].resources.limits.memory')).toBe("128Mi");
  });
});

describe("server-side apply ownership", () => {
  it("reports a conflict with another manager and --force-conflicts takes the field", async () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  color: ${v}\n`;
    ok(await c.k(["apply", "--server-side", "--field-manager=team-a", "-f", c.file("a.yaml", cm("red"))]));
    const r = await c.k(["apply", "--server-side", "--field-manager=team-b", "-f", c.file("b.yaml", cm("blue"))]);
    expect(fails(r)).toMatch(/Apply failed with 1 conflict: conflict with "team-a": \.data\.color/);
    expect(await get(["cm", "owned"], ".data.color")).toBe("red");
    const forced = await c.k(["apply", "--server-side", "--field-manager=team-b", "--force-conflicts", "-f", c.file("b.yaml", cm("blue"))]);
    expect(ok(forced).trim()).toBe("configmap/owned serverside-applied");
    expect(await get(["cm", "owned"], ".data.color")).toBe("blue");
  });
});

describe("wait", () => {
  it("wait --for=jsonpath returns once a later change meets the condition", async () => {
    const waiting = c.k(["wait", "--for=jsonpath={.spec.replicas}=2", "deployment/myapp-deployment", "--timeout=20s"]);
    await new Promise((r) => setTimeout(r, 1000));
    ok(await c.k(["scale", "--replicas=2", "deployment/myapp-deployment"]));
    expect(ok(await waiting).trim()).toBe("deployment.apps/myapp-deployment condition met");
  });

  it("wait --for=delete returns once the object is gone", async () => {
    ok(await c.k(["run", "short-lived", "--image=nginx"]));
    const waiting = c.k(["wait", "--for=delete", "pod/short-lived", "--timeout=20s"]);
    await new Promise((r) => setTimeout(r, 1000));
    ok(await c.k(["delete", "pod", "short-lived", "--wait=false"]));
    expect(ok(await waiting).trim()).toBe("pod/short-lived condition met");
  });
});

describe("files, directories and stdin", () => {
  it("apply -f dir/ and delete -f dir/ handle every file in lexical order", async () => {
    const dir = c.file("seeds-dir", "");
    const { rmSync, mkdirSync, writeFileSync } = await import("node:fs");
    rmSync(dir, { force: true });
    mkdirSync(dir);
    for (const f of ["pod-myapp.yaml", "service-myapp-service.yaml", "deployment-nginx-deployment.yaml"]) writeFileSync(`${dir}/${f}`, seedText(f));
    expect(ok(await c.k(["apply", "-f", dir])).trim().split("\n")).toEqual(["deployment.apps/nginx-deployment created", "pod/myapp created", "service/myapp-service created"]);
    expect(ok(await c.k(["delete", "-f", dir])).trim().split("\n")).toEqual(['deployment.apps "nginx-deployment" deleted', 'pod "myapp" deleted', 'service "myapp-service" deleted']);
  });

  it("apply -f - with a multi-document stream", async () => {
    const stream = [seedText("service-back-end.yaml"), seedText("deployment-httpd-frontend.yaml")].join("\n---\n");
    expect(ok(await c.k(["apply", "-f", "-"], stream)).trim().split("\n")).toEqual(["service/back-end created", "deployment.apps/httpd-frontend created"]);
    expect(ok(await c.k(["get", "svc,deploy", "-o", "name"])).trim().split("\n")).toEqual(
      expect.arrayContaining(["service/back-end", "deployment.apps/httpd-frontend"]),
    );
  });
});

describe("services from the command line", () => {
  it("create service nodeport and expose pod --type=NodePort allocate node ports", async () => {
    expect(ok(await c.k(["create", "service", "nodeport", "web-np", "--tcp=80:8080", "--node-port=30010"])).trim()).toBe("service/web-np created");
    expect(await get(["svc", "web-np"], ".spec.ports[0].nodePort")).toBe("30010");
    const taken = await c.k(["create", "service", "nodeport", "web-np2", "--tcp=80:8080", "--node-port=30010"]);
    expect(fails(taken)).toMatch(/spec\.ports\[0\]\.nodePort: Invalid value: 30010: provided port is already allocated/);
    ok(await c.k(["run", "exposed", "--image=nginx", "--port=80"]));
    expect(ok(await c.k(["expose", "pod", "exposed", "--type=NodePort"])).trim()).toBe("service/exposed exposed");
    const t = parseTable(ok(await c.k(["get", "svc", "exposed", "-o", "wide"])));
    expect(row(t, "exposed").TYPE).toBe("NodePort");
    expect(row(t, "exposed")["PORT(S)"]).toMatch(/^80:3\d{4}\/TCP$/);
    expect(row(t, "exposed").SELECTOR).toBe("run=exposed");
  });
});

describe("selectors and paging", () => {
  it("label pods --all, -l, --field-selector and --chunk-size", async () => {
    for (const n of ["p1", "p2", "p3"]) ok(await c.k(["run", n, "--image=nginx"]));
    const labeled = ok(await c.k(["label", "pods", "--all", "batch=one"])).trim().split("\n");
    expect(labeled).toEqual(expect.arrayContaining(["pod/p1 labeled", "pod/p2 labeled", "pod/p3 labeled"]));
    expect(ok(await c.k(["get", "pods", "-l", "run in (p1,p3)", "-o", "name"])).trim().split("\n")).toEqual(["pod/p1", "pod/p3"]);
    expect(ok(await c.k(["get", "pods", "--field-selector=metadata.name=p2", "-o", "name"])).trim()).toBe("pod/p2");
    expect(ok(await c.k(["get", "pods", "--field-selector=status.phase=Pending", "-l", "batch=one", "-o", "name"])).trim().split("\n")).toHaveLength(labeled.length);
    const paged = parseTable(ok(await c.k(["get", "pods", "-l", "batch=one", "--chunk-size=1"])));
    expect(paged.rows.map((r) => r[0])).toEqual(expect.arrayContaining(["p1", "p2", "p3"]));
    expect(paged.rows).toHaveLength(labeled.length);
  });

  it("get --raw and multi-type get", async () => {
    expect(ok(await c.k(["get", "--raw", "/healthz"]))).toBe("ok");
    const tables = ok(await c.k(["get", "deploy,svc"]));
    expect(tables).toMatch(/^deployment\.apps\/myapp-deployment\s/m);
    expect(tables).toMatch(/^service\/kubernetes\s/m);
  });
});
