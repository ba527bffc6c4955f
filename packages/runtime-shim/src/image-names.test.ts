import { describe, expect, it } from "vitest";
import { resolveImage } from "./image-names.js";

const R = "127.0.0.1:5000";

describe("resolveImage", () => {
  it.each([
    ["nginx", `${R}/library/nginx:latest`],
    ["nginx:1.24.0", `${R}/library/nginx:1.24.0`],
    ["bitnami/redis", `${R}/bitnami/redis:latest`],
    ["docker.io/library/nginx:1.14.2", `${R}/library/nginx:1.14.2`],
    ["docker.io/nginx", `${R}/library/nginx:latest`],
    ["quay.io/org/app:v1", "quay.io/org/app:v1"],
    ["localhost:5001/app", "localhost:5001/app:latest"],
    ["127.0.0.1:5000/library/busybox:1.36", "127.0.0.1:5000/library/busybox:1.36"],
    ["nginx@sha256:abc", `${R}/library/nginx@sha256:abc`],
  ])("%s -> %s", (image, want) => {
    expect(resolveImage(image, R)).toBe(want);
  });

  it("rejects an empty name", () => {
    expect(() => resolveImage(" ", R)).toThrow(/empty/);
  });
});
