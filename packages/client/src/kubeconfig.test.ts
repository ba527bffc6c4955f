import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadClientConfig } from "./kubeconfig.js";

let dir: string;
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kates-kubeconfig-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("loadClientConfig", () => {
  it("reads ~/.kube/config's current context with a plain http server", () => {
    write("home/.kube/config", `
apiVersion: v1
kind: Config
current-context: kates
clusters:
- name: kates
  cluster: { server: "http://127.0.0.1:6443" }
contexts:
- name: kates
  context: { cluster: kates, user: admin, namespace: team-a }
users:
- name: admin
  user: { token: abc }
`);
    const cfg = loadClientConfig({ env: { HOME: path.join(dir, "home") } });
    expect(cfg).toEqual({ server: "http://127.0.0.1:6443", namespace: "team-a", contextName: "kates", token: "abc" });
  });

  it("merges a KUBECONFIG list where the first file wins per name and for current-context", () => {
    const a = write("a.yaml", `
current-context: one
clusters:
- name: c1
  cluster: { server: "http://127.0.0.1:1111", certificate-authority: certs/ca.pem }
contexts:
- name: one
  context: { cluster: c1, user: u1 }
users:
- name: u1
  user: { tokenFile: token.txt }
`);
    const b = write("b.yaml", `
current-context: two
clusters:
- name: c1
  cluster: { server: "http://127.0.0.1:9999" }
- name: c2
  cluster: { server: "https://127.0.0.1:2222", insecure-skip-tls-verify: true, certificate-authority-data: ${Buffer.from("CA2").toString("base64")} }
contexts:
- name: two
  context: { cluster: c2 }
`);
    write("certs/ca.pem", "CA1");
    write("token.txt", "tok\n");
    const env = { KUBECONFIG: [a, path.join(dir, "missing.yaml"), b].join(":") };
    const one = loadClientConfig({ env });
    expect(one.server).toBe("http://127.0.0.1:1111");
    expect(one.namespace).toBe("default");
    expect(one.token).toBe("tok");
    expect(one.ca?.toString()).toBe("CA1");
    const two = loadClientConfig({ env, context: "two" });
    expect(two).toMatchObject({ server: "https://127.0.0.1:2222", insecureSkipTLSVerify: true, contextName: "two" });
    expect(two.ca?.toString()).toBe("CA2");
    expect(two.token).toBeUndefined();
  });

  it("lets --server override, even without any kubeconfig, and explains what is missing", () => {
    const env = { KUBECONFIG: path.join(dir, "none.yaml") };
    expect(loadClientConfig({ env, server: "http://127.0.0.1:7" })).toEqual({ server: "http://127.0.0.1:7", namespace: "default" });
    expect(() => loadClientConfig({ env })).toThrow(/no kubeconfig context found/);
    expect(() => loadClientConfig({ env: { KUBECONFIG: path.join(dir, "a.yaml") }, context: "ghost" })).toThrow(/context "ghost" not found/);
  });
});
