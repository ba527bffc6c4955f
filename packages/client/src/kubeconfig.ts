/** Loads a kubeconfig ($KUBECONFIG or ~/.kube/config) into the settings a RestClient needs. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import type { RestClientConfig } from "./rest-client.js";

/** What one kubeconfig context resolves to. Pass it straight to `new RestClient(...)`. */
export interface ClientConfig extends RestClientConfig {
  /** The context's namespace, "default" if it names none. */
  namespace: string;
  /** The context used, if one was. */
  contextName?: string;
}

/** Options of loadClientConfig. */
export interface LoadClientConfigOptions {
  /** Use this context instead of current-context. */
  context?: string;
  /** Override the server URL (like `kubectl --server`); works without any kubeconfig. */
  server?: string;
  /** Use this file list instead of $KUBECONFIG / ~/.kube/config (entries separated by ":"). */
  kubeconfig?: string;
  /** Environment to read KUBECONFIG and HOME from (tests). */
  env?: NodeJS.ProcessEnv;
}

interface Named<T> {
  name: string;
  value: T;
  dir: string;
}

interface Cluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
}
interface User {
  token?: string;
  tokenFile?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
}
interface Context {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/**
 * Resolves the client settings the way kubectl does: files from $KUBECONFIG (":"-separated;
 * missing files skipped; for every cluster, user and context name, and for current-context,
 * the first file that sets it wins) or ~/.kube/config. Plain `http://` servers work.
 * @example
 * const rest = new RestClient({ ...loadClientConfig(), userAgent: "kates-scheduler" });
 */
export function loadClientConfig(opts: LoadClientConfigOptions = {}): ClientConfig {
  const env = opts.env ?? process.env;
  const list = opts.kubeconfig ?? env.KUBECONFIG;
  const files = list ? list.split(path.delimiter).filter(Boolean) : [path.join(env.HOME || os.homedir(), ".kube", "config")];

  const clusters: Named<Cluster>[] = [];
  const users: Named<User>[] = [];
  const contexts: Named<Context>[] = [];
  let current: string | undefined;
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    let doc: Record<string, unknown>;
    try {
      doc = (parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) ?? {};
    } catch (err) {
      throw new Error(`kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
    }
    const dir = path.dirname(path.resolve(file));
    mergeNamed(clusters, doc.clusters, "cluster", dir);
    mergeNamed(users, doc.users, "user", dir);
    mergeNamed(contexts, doc.contexts, "context", dir);
    if (!current && typeof doc["current-context"] === "string" && doc["current-context"]) current = doc["current-context"];
  }

  const contextName = opts.context ?? current;
  if (!contextName) {
    if (opts.server) return { server: opts.server, namespace: "default" };
    throw new Error(`no kubeconfig context found in ${files.join(", ")}; set current-context or pass a server URL`);
  }
  const ctx = contexts.find((c) => c.name === contextName);
  if (!ctx) throw new Error(`context ${JSON.stringify(contextName)} not found in kubeconfig ${files.join(", ")}`);
  const cluster = clusters.find((c) => c.name === ctx.value.cluster);
  const user = users.find((u) => u.name === ctx.value.user);
  const server = opts.server ?? cluster?.value.server;
  if (!server) throw new Error(`context ${JSON.stringify(contextName)}: cluster ${JSON.stringify(ctx.value.cluster)} has no server`);

  const cfg: ClientConfig = { server, namespace: ctx.value.namespace || "default", contextName };
  if (cluster) {
    cfg.ca = pem(cluster.value["certificate-authority-data"], cluster.value["certificate-authority"], cluster.dir);
    if (cluster.value["insecure-skip-tls-verify"]) cfg.insecureSkipTLSVerify = true;
  }
  if (user) {
    const u = user.value;
    if (u.token) cfg.token = u.token;
    else if (u.tokenFile) cfg.token = fs.readFileSync(path.resolve(user.dir, u.tokenFile), "utf8").trim();
    cfg.cert = pem(u["client-certificate-data"], u["client-certificate"], user.dir);
    cfg.key = pem(u["client-key-data"], u["client-key"], user.dir);
  }
  for (const k of ["ca", "cert", "key"] as const) if (cfg[k] === undefined) delete cfg[k];
  return cfg;
}

function mergeNamed<T>(into: Named<T>[], entries: unknown, field: string, dir: string): void {
  if (!Array.isArray(entries)) return;
  for (const e of entries as Record<string, unknown>[]) {
    const name = e?.name;
    if (typeof name !== "string" || into.some((x) => x.name === name)) continue;
    into.push({ name, value: (e[field] ?? {}) as T, dir });
  }
}

/** Inline base64 data wins over a file path, which is relative to its kubeconfig's folder. */
function pem(data: string | undefined, file: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, "base64");
  if (file) return fs.readFileSync(path.resolve(dir, file));
  return undefined;
}
