/**
 * A container's environment as the kubelet computes it: envFrom first, then env in order,
 * values from fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef, and $(VAR)
 * references expanded against what came before (also used for command and args).
 */
import { parseQuantity, type ConfigMap, type Container, type Pod, type Secret } from "@kates/api";

/** Where configMap and secret values come from (the API, through the kubelet's client). */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** An env var that can't be built; the container is left waiting with CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

/** Replaces $(NAME) with its value when defined; $$(NAME) escapes to a literal $(NAME). */
export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    return name !== undefined && name in vars ? vars[name]! : m;
  });
}

function fieldValue(pod: Pod, path: string, podIP: string, hostIP: string): string {
  const annotated = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (annotated) return pod.metadata[annotated[1] as "labels" | "annotations"]?.[annotated[2]!] ?? "";
  switch (path) {
    case "metadata.name": return pod.metadata.name ?? "";
    case "metadata.namespace": return pod.metadata.namespace ?? "";
    case "metadata.uid": return pod.metadata.uid ?? "";
    case "metadata.labels": return Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "metadata.annotations": return Object.entries(pod.metadata.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "spec.nodeName": return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "";
    case "status.podIP": case "status.podIPs": return podIP;
    case "status.hostIP": case "status.hostIPs": return hostIP;
    default: throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

function resourceValue(c: Container, resource: string, divisor: unknown): string {
  const [kind, name] = resource.split(".") as [string, string];
  const q = parseQuantity(c.resources?.[kind as "limits" | "requests"]?.[name]) ?? 0;
  const d = parseQuantity(divisor ?? (name === "cpu" ? "1" : "1")) || 1;
  return String(Math.ceil(q / d));
}

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/** The container's env as ordered key/value pairs. */
export async function buildEnv(pod: Pod, c: Container, podIP: string, hostIP: string, src: ObjectSource): Promise<{ key: string; value: string }[]> {
  const ns = pod.metadata.namespace ?? "default";
  const vars: Record<string, string> = {};
  const order: string[] = [];
  const set = (k: string, v: string) => {
    if (!(k in vars)) order.push(k);
    vars[k] = v;
  };
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = await src.configMap(ns, from.configMapRef.name ?? "");
      if (!cm && !from.configMapRef.optional) throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      for (const [k, v] of Object.entries(cm?.data ?? {})) set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await src.secret(ns, from.secretRef.name ?? "");
      if (!s && !from.secretRef.optional) throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      for (const [k, v] of Object.entries(s?.data ?? {})) set(prefix + k, decode(v));
    }
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      set(e.name, expandVars(e.value ?? "", vars));
    } else if (vf.fieldRef) {
      set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, podIP, hostIP));
    } else if (vf.resourceFieldRef) {
      set(e.name, resourceValue(c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor));
    } else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = await src.configMap(ns, ref.name ?? "");
      const v = cm?.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
      }
      set(e.name, v);
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const s = await src.secret(ns, ref.name ?? "");
      const v = s?.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
      }
      set(e.name, decode(v));
    }
  }
  return order.map((key) => ({ key, value: vars[key]! }));
}
