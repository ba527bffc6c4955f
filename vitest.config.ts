import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import workspace packages from source, so `npm test -- packages/api` needs no build;
// daemons started as processes by integration tests run from dist/ (test/run.sh builds first).
export default defineConfig({
  resolve: {
    alias: {
      "@kates/api": pkg("api"),
      "@kates/client": pkg("client"),
      "@kates/component-base": pkg("component-base"),
      "@kates/cri-api": pkg("cri-api"),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites start etcd clusters and apiservers on fixed-free ports; keep
    // files apart so two suites never fight over CPU on this 2-core machine.
    fileParallelism: false,
    reporters: ["default"],
  },
});
