/**
 * Create-time validation of core/v1 kinds other than the pod spec itself.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { LabelSelector } from "../meta.js";
import { labelSelectorFromMap } from "../selectors.js";
import type {
  Binding, ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Secret, Service,
} from "../types/core.js";
import { validateLabels, validateLabelSelector, validateNonNegative } from "./meta.js";
import { configMapKeyErrors, dns1123LabelErrors, dns1123SubdomainErrors, isIP, portNameErrors, portNumErrors, qualifiedNameErrors } from "./names.js";
import { validatePodSpec, validateWorkloadTemplate } from "./pod.js";
import { parseQuantity, quantityError } from "./quantity.js";

const arr = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
/** The largest ConfigMap or Secret payload, as in Kubernetes. */
export const MAX_DATA_SIZE = 1024 * 1024;

/** Pod: spec and its container names, ports, volumes. */
export const validatePod = (pod: Pod): FieldError[] => validatePodSpec(pod.spec, "spec");

/** Service: type, ports, selector, clusterIP, session affinity, traffic policies. */
export function validateService(svc: Service): FieldError[] {
  const s = svc.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs: FieldError[] = [];
  const types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
  if (!s.type) errs.push(fieldErrors.required("spec.type"));
  else if (!types.includes(s.type)) errs.push(fieldErrors.notSupported("spec.type", s.type, types));
  const ports = arr(s.ports);
  const headless = s.clusterIP === "None";
  if (ports.length === 0 && !headless && s.type !== "ExternalName") errs.push(fieldErrors.required("spec.ports"));
  const usesNodePort = s.type === "NodePort" || s.type === "LoadBalancer";
  const names = new Set<string>();
  const seen = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (!p?.name) {
      if (ports.length > 1) errs.push(fieldErrors.required(`${path}.name`));
    } else {
      for (const m of dns1123LabelErrors(p.name)) errs.push(fieldErrors.invalid(`${path}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldErrors.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    for (const m of portNumErrors(p?.port)) errs.push(fieldErrors.invalid(`${path}.port`, p?.port, m));
    if (!p?.protocol) errs.push(fieldErrors.required(`${path}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    const key = `${p?.port}/${p?.protocol}`;
    if (seen.has(key)) errs.push(fieldErrors.duplicate(path, { port: p.port, protocol: p.protocol }));
    seen.add(key);
    const tp = p?.targetPort;
    if (typeof tp === "number" && tp !== 0) for (const m of portNumErrors(tp)) errs.push(fieldErrors.invalid(`${path}.targetPort`, tp, m));
    else if (typeof tp === "string") for (const m of portNameErrors(tp)) errs.push(fieldErrors.invalid(`${path}.targetPort`, tp, m));
    if (p?.nodePort) {
      if (!usesNodePort) errs.push(fieldErrors.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${s.type}'`));
      for (const m of portNumErrors(p.nodePort)) errs.push(fieldErrors.invalid(`${path}.nodePort`, p.nodePort, m));
      const nk = `${p.nodePort}/${p.protocol}`;
      if (nodePorts.has(nk)) errs.push(fieldErrors.duplicate(`${path}.nodePort`, p.nodePort));
      nodePorts.add(nk);
    }
  });
  if (s.sessionAffinity !== undefined && !["ClientIP", "None"].includes(s.sessionAffinity)) errs.push(fieldErrors.notSupported("spec.sessionAffinity", s.sessionAffinity, ["ClientIP", "None"]));
  if (s.type !== "ExternalName") errs.push(...validateLabels(s.selector, "spec.selector"));
  if (s.type === "ExternalName") {
    if (!s.externalName) errs.push(fieldErrors.required("spec.externalName"));
    else for (const m of dns1123SubdomainErrors(s.externalName.replace(/\.$/, ""))) errs.push(fieldErrors.invalid("spec.externalName", s.externalName, m));
    if (s.clusterIP && s.clusterIP !== "") errs.push(fieldErrors.forbidden("spec.clusterIP", "may not be set for ExternalName services"));
  } else {
    const ips = [...(s.clusterIP ? [s.clusterIP] : []), ...arr(s.clusterIPs)];
    ips.forEach((ip) => {
      if (ip !== "None" && !isIP(ip)) errs.push(fieldErrors.invalid("spec.clusterIP", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    });
    if (s.clusterIP && s.clusterIPs?.length && s.clusterIPs[0] !== s.clusterIP) errs.push(fieldErrors.invalid("spec.clusterIPs", s.clusterIPs, "must match `clusterIP` when both are specified"));
  }
  if (s.externalTrafficPolicy !== undefined) {
    if (!usesNodePort) errs.push(fieldErrors.invalid("spec.externalTrafficPolicy", s.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    else if (!["Cluster", "Local"].includes(s.externalTrafficPolicy)) errs.push(fieldErrors.notSupported("spec.externalTrafficPolicy", s.externalTrafficPolicy, ["Cluster", "Local"]));
  }
  if (s.internalTrafficPolicy !== undefined && !["Cluster", "Local"].includes(s.internalTrafficPolicy)) errs.push(fieldErrors.notSupported("spec.internalTrafficPolicy", s.internalTrafficPolicy, ["Cluster", "Local"]));
  arr(s.ipFamilies).forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") errs.push(fieldErrors.notSupported(`spec.ipFamilies[${i}]`, f, ["IPv4", "IPv6"]));
  });
  return errs;
}

function validateDataKeys(data: Record<string, unknown> | undefined, path: string): { errs: FieldError[]; size: number } {
  const errs: FieldError[] = [];
  let size = 0;
  if (data === undefined || data === null) return { errs, size };
  if (typeof data !== "object" || Array.isArray(data)) return { errs: [fieldErrors.typeInvalid(path, data, "must be a map of string keys to string values")], size };
  for (const [k, v] of Object.entries(data)) {
    for (const m of configMapKeyErrors(k)) errs.push(fieldErrors.invalid(`${path}[${k}]`, k, m));
    if (typeof v !== "string") errs.push(fieldErrors.typeInvalid(`${path}[${k}]`, v, "must be a string"));
    else size += Buffer.byteLength(v);
  }
  return { errs, size };
}

const isBase64 = (s: string): boolean => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;

/** ConfigMap: keys valid, no key in both data and binaryData, binaryData base64, at most 1 MiB. */
export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const d = validateDataKeys(cm.data, "data");
  const b = validateDataKeys(cm.binaryData, "binaryData");
  const errs = [...d.errs, ...b.errs];
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    if (cm.data && k in cm.data) errs.push(fieldErrors.invalid(`binaryData[${k}]`, k, "duplicate of key present in data"));
    if (typeof v === "string" && !isBase64(v)) errs.push(fieldErrors.invalid(`binaryData[${k}]`, "<binary>", "must be base64-encoded"));
  }
  if (d.size + b.size * 0.75 > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong("data", "", MAX_DATA_SIZE));
  return errs;
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

/** Secret: keys valid, data values base64, type-specific required keys, at most 1 MiB. */
export function validateSecret(sec: Secret): FieldError[] {
  const d = validateDataKeys(sec.data, "data");
  const sd = validateDataKeys(sec.stringData, "stringData");
  const errs = [...d.errs, ...sd.errs];
  for (const [k, v] of Object.entries(sec.data ?? {})) {
    if (typeof v === "string" && !isBase64(v)) errs.push(fieldErrors.invalid(`data[${k}]`, "<secret contents redacted>", "must be base64-encoded"));
  }
  if (d.size * 0.75 + sd.size > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong("data", "", MAX_DATA_SIZE));
  const has = (k: string) => (sec.data && k in sec.data) || (sec.stringData && k in sec.stringData);
  for (const k of SECRET_REQUIRED_KEYS[sec.type ?? ""] ?? []) if (!has(k)) errs.push(fieldErrors.required(`data[${k}]`));
  if (sec.type === "kubernetes.io/basic-auth" && !has("username") && !has("password")) {
    errs.push(fieldErrors.required("data[username]", "either username or password must be specified"));
  }
  if (sec.type === "kubernetes.io/service-account-token" && !sec.metadata.annotations?.["kubernetes.io/service-account.name"]) {
    errs.push(fieldErrors.required("metadata.annotations[kubernetes.io/service-account.name]"));
  }
  return errs;
}

/** Namespace: finalizers are qualified names. */
export function validateNamespace(ns: Namespace): FieldError[] {
  return arr(ns.spec?.finalizers).flatMap((f, i) => qualifiedNameErrors(String(f)).map((m) => fieldErrors.invalid(`spec.finalizers[${i}]`, f, m)));
}

/** Node: taints well formed and unique per key and effect. */
export function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(node.spec?.taints).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    if (!t?.key) errs.push(fieldErrors.required(`${p}.key`));
    else for (const m of qualifiedNameErrors(t.key)) errs.push(fieldErrors.invalid(`${p}.key`, t.key, m));
    if (t?.value) for (const m of qualifiedNameErrors(t.value)) errs.push(fieldErrors.invalid(`${p}.value`, t.value, m));
    if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t?.effect)) errs.push(fieldErrors.notSupported(`${p}.effect`, t?.effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]));
    const key = `${t?.key}:${t?.effect}`;
    if (seen.has(key)) errs.push(fieldErrors.duplicate(p, { key: t.key, effect: t.effect }));
    seen.add(key);
  });
  return errs;
}

/** Event: involvedObject present and in the event's namespace. */
export function validateEvent(ev: Event): FieldError[] {
  const io = ev.involvedObject;
  if (!io || typeof io !== "object") return [fieldErrors.required("involvedObject")];
  const ns = ev.metadata.namespace;
  if (io.namespace && ns && io.namespace !== ns) return [fieldErrors.invalid("involvedObject.namespace", io.namespace, "does not match event.namespace")];
  return [];
}

/** ReplicationController: replicas, a non-empty map selector matching the template, restartPolicy Always. */
export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const s = rc.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs = [...validateNonNegative(s.replicas, "spec.replicas"), ...validateNonNegative(s.minReadySeconds, "spec.minReadySeconds")];
  const sel = s.selector ?? {};
  if (Object.keys(sel).length === 0) errs.push(fieldErrors.required("spec.selector"));
  else errs.push(...validateLabels(sel, "spec.selector"));
  const matcher = Object.keys(sel).length ? labelSelectorFromMap(sel) : undefined;
  errs.push(...validateWorkloadTemplate(s.template, matcher && ((l) => matcher.matches(l)), "spec.template", ["Always"]));
  return errs;
}

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

function validateAccessModes(modes: string[] | undefined, path: string): FieldError[] {
  if (!modes || modes.length === 0) return [fieldErrors.required(path, "at least 1 access mode is required")];
  return modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => fieldErrors.notSupported(path, m, ACCESS_MODES));
}

function validateStorage(q: unknown, path: string): FieldError[] {
  if (q === undefined) return [fieldErrors.required(path)];
  const v = parseQuantity(q);
  if (v === undefined) return [fieldErrors.invalid(path, q, quantityError)];
  return v <= 0 ? [fieldErrors.invalid(path, q, "must be greater than zero")] : [];
}

/** PersistentVolumeClaim: access modes, a storage request, volume mode, selector. */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const s = pvc.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs = [...validateAccessModes(s.accessModes, "spec.accessModes"), ...validateStorage(s.resources?.requests?.storage, "spec.resources[storage]")];
  if (s.volumeMode !== undefined && !["Block", "Filesystem"].includes(s.volumeMode)) errs.push(fieldErrors.notSupported("spec.volumeMode", s.volumeMode, ["Block", "Filesystem"]));
  errs.push(...validateLabelSelector(s.selector as LabelSelector | undefined, "spec.selector"));
  return errs;
}

/** PersistentVolume: capacity, access modes, exactly one volume source, reclaim policy. */
export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const s = pv.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs = [...validateAccessModes(s.accessModes, "spec.accessModes"), ...validateStorage(s.capacity?.storage, "spec.capacity[storage]")];
  const sources = (["hostPath", "local", "nfs"] as const).filter((k) => s[k]);
  if (sources.length === 0) errs.push(fieldErrors.required("spec", "must specify a volume type"));
  for (const k of sources.slice(1)) errs.push(fieldErrors.forbidden(`spec.${k}`, "may not specify more than 1 volume type"));
  const policies = ["Delete", "Recycle", "Retain"];
  if (s.persistentVolumeReclaimPolicy !== undefined && !policies.includes(s.persistentVolumeReclaimPolicy)) {
    errs.push(fieldErrors.notSupported("spec.persistentVolumeReclaimPolicy", s.persistentVolumeReclaimPolicy, policies));
  }
  return errs;
}

/** Endpoints: addresses are IPs, ports in range with known protocols. */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  arr(ep.subsets).forEach((ss, i) => {
    for (const list of ["addresses", "notReadyAddresses"] as const) {
      arr(ss?.[list]).forEach((a, j) => {
        if (!isIP(String(a?.ip))) errs.push(fieldErrors.invalid(`subsets[${i}].${list}[${j}].ip`, a?.ip, "must be a valid IP address"));
      });
    }
    arr(ss?.ports).forEach((p, j) => {
      for (const m of portNumErrors(p?.port)) errs.push(fieldErrors.invalid(`subsets[${i}].ports[${j}].port`, p?.port, m));
      if (p?.protocol && !PROTOCOLS.includes(p.protocol)) errs.push(fieldErrors.notSupported(`subsets[${i}].ports[${j}].protocol`, p.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** Binding (pods/NAME/binding): a target node name, kind empty or Node. */
export function validateBinding(b: Binding): FieldError[] {
  const errs: FieldError[] = [];
  if (!b.target?.name) errs.push(fieldErrors.required("target.name"));
  if (b.target?.kind && b.target.kind !== "Node") errs.push(fieldErrors.invalid("target.kind", b.target.kind, "must be empty or 'Node'"));
  return errs;
}
