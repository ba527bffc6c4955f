#!/usr/bin/env node
// Merges or removes the `kates` cluster/user/context in the user's kubeconfig without
// touching any other entry, so `npm start` works next to existing clusters and kubectl
// is not needed to set it up.
//
//   node deploy/lib/kubeconfig.mjs merge --server http://127.0.0.1:6443 [--name kates]
//   node deploy/lib/kubeconfig.mjs remove [--name kates]
//   node deploy/lib/kubeconfig.mjs path
//
// The file is $KUBECONFIG's first entry, else ~/.kube/config (as kubectl picks the file it writes).
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import YAML from "yaml";

/** Returns the kubeconfig file kates writes to. */
export function kubeconfigPath(env = process.env) {
  const first = (env.KUBECONFIG ?? "").split(":").find((p) => p.trim() !== "");
  return first ?? join(env.HOME || homedir(), ".kube", "config");
}

/** Reads a kubeconfig file, or an empty Config when it does not exist or is blank. */
function load(path) {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const doc = YAML.parse(text) ?? {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${path} is not a kubeconfig (not a mapping)`);
  return { apiVersion: "v1", kind: "Config", ...doc };
}

/** Writes atomically with owner-only permissions: kubeconfigs later hold credentials. */
function save(path, config) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.kates-${process.pid}.tmp`;
  writeFileSync(tmp, YAML.stringify(config), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Replaces (or appends) the named entry of a kubeconfig list such as `clusters`. */
function upsert(list, name, key, value) {
  const rest = (Array.isArray(list) ? list : []).filter((e) => e?.name !== name);
  return [...rest, { name, [key]: value }];
}

function without(list, name) {
  return (Array.isArray(list) ? list : []).filter((e) => e?.name !== name);
}

/** Adds the kates entries pointing at `server` and makes the context current. */
export function merge(config, name, server) {
  return {
    ...config,
    clusters: upsert(config.clusters, name, "cluster", { server }),
    users: upsert(config.users, name, "user", {}),
    contexts: upsert(config.contexts, name, "context", { cluster: name, user: name, namespace: "default" }),
    "current-context": name,
  };
}

/** Drops the kates entries; clears current-context only when it pointed at kates. */
export function remove(config, name) {
  const out = {
    ...config,
    clusters: without(config.clusters, name),
    users: without(config.users, name),
    contexts: without(config.contexts, name),
  };
  if (out["current-context"] === name) delete out["current-context"];
  return out;
}

function isEmpty(config) {
  const lists = ["clusters", "users", "contexts"].every((k) => (config[k] ?? []).length === 0);
  return lists && !config["current-context"];
}

function rmEmptyDir(dir) {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (kubectl's cache, other files): leave it
  }
}

function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { server: { type: "string" }, name: { type: "string", default: "kates" } },
  });
  const path = kubeconfigPath();
  switch (positionals[0]) {
    case "path":
      console.log(path);
      return;
    case "merge":
      if (!values.server) throw new Error("merge needs --server URL");
      save(path, merge(load(path), values.name, values.server));
      console.log(path);
      return;
    case "remove": {
      if (!existsSync(path)) return;
      const next = remove(load(path), values.name);
      // A file that held only our entries was ours: remove it rather than leave an empty shell.
      if (isEmpty(next)) {
        rmSync(path);
        if (!process.env.KUBECONFIG) rmEmptyDir(dirname(path));
      } else save(path, next);
      return;
    }
    default:
      throw new Error("usage: kubeconfig.mjs merge --server URL | remove | path");
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`[kates] kubeconfig: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
