import { describe, expect, it } from "vitest";
import { fromDockerLabels, LABEL_MANAGED, LABEL_TYPE, matchesSelector, toDockerLabels } from "./labels.js";

describe("labels", () => {
  it("round-trips labels and annotations and hides the shim's own keys", () => {
    const docker = toDockerLabels({ app: "web", "io.kubernetes.pod.name": "p" }, { "kubernetes.io/config.seen": "now" }, { [LABEL_TYPE]: "sandbox" });
    expect(docker[LABEL_TYPE]).toBe("sandbox");
    expect(docker[LABEL_MANAGED]).toBe("true");
    expect(fromDockerLabels(docker)).toEqual({
      labels: { app: "web", "io.kubernetes.pod.name": "p" },
      annotations: { "kubernetes.io/config.seen": "now" },
    });
  });

  it("matches selectors on every key", () => {
    expect(matchesSelector({ a: "1", b: "2" }, { a: "1" })).toBe(true);
    expect(matchesSelector({ a: "1" }, { a: "1", b: "2" })).toBe(false);
    expect(matchesSelector({ a: "1" }, { a: "2" })).toBe(false);
    expect(matchesSelector({ a: "1" }, undefined)).toBe(true);
  });
});
