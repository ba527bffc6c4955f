import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { versionInfo } from "./index.js";

describe("versionInfo", () => {
  it("reports Kubernetes 1.32 so the kubectl dispatcher runs kubectl 1.32", () => {
    const v = versionInfo();
    expect(v).toMatchObject({ major: "1", minor: "32", gitVersion: "v1.32.0", gitTreeState: "clean", compiler: "gc" });
    expect(v.gitVersion).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(v.buildDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(v.platform).toMatch(/^[a-z0-9]+\/[a-z0-9]+$/);
    expect(v.goVersion.length).toBeGreaterThan(0);
  });

  it("carries the apiserver package version in gitCommit", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(versionInfo().gitCommit).toBe(`kates-${pkg.version}`);
  });
});
