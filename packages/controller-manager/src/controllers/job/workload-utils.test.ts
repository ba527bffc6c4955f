import { describe, expect, it } from "vitest";
import type { PodTemplateSpec } from "@kates/api";
import { sameJson, templateHash } from "./workload-utils.js";

describe("templateHash", () => {
  it("keeps the values existing DaemonSet pods and StatefulSet revisions were labelled with", () => {
    // Pinned before templateHash moved onto shared/ canonicalJson: a change here renames revisions and rolls pods.
    const t = {
      metadata: { labels: { app: "web", "a-b": "1" } },
      spec: { containers: [{ name: "c", image: "nginx:1", ports: [{ containerPort: 80 }], env: undefined }], nodeSelector: { Z: "1", a: "2" } },
    } as unknown as PodTemplateSpec;
    expect(templateHash(t)).toBe("7d67c51e70");
    expect(templateHash(undefined)).toBe("44136fa355");
  });
});

describe("sameJson", () => {
  it("ignores key order and undefined fields but not values", () => {
    expect(sameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1, e: undefined })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
