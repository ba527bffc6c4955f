/**
 * PodSpec validation, shared by Pods and by every workload's pod template.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { Container, PodSpec, PodTemplateSpec, Probe, Volume } from "../types/pod.js";
import { validateLabels, validateNonNegative, validateAnnotations } from "./meta.js";
import {
  configMapKeyErrors, dns1123LabelErrors, dns1123SubdomainErrors, envVarNameErrors, portNameErrors, portNumErrors, qualifiedNameErrors,
} from "./names.js";
import { parseQuantity, quantityError } from "./quantity.js";

const arr = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const VOLUME_SOURCES = ["emptyDir", "hostPath", "configMap", "secret", "persistentVolumeClaim"] as const;

function validateVolumes(volumes: Volume[], path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v?.name) errs.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of dns1123LabelErrors(v.name)) errs.push(fieldErrors.invalid(`${p}.name`, v.name, m));
      if (names.has(v.name)) errs.push(fieldErrors.duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const given = VOLUME_SOURCES.filter((s) => v?.[s] !== undefined && v?.[s] !== null);
    if (given.length === 0) errs.push(fieldErrors.required(p, "must specify a volume type"));
    for (const s of given.slice(1)) errs.push(fieldErrors.forbidden(`${p}.${s}`, "may not specify more than 1 volume type"));
    if (v?.hostPath && !v.hostPath.path) errs.push(fieldErrors.required(`${p}.hostPath.path`));
    if (v?.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(fieldErrors.required(`${p}.persistentVolumeClaim.claimName`));
    if (v?.configMap && !v.configMap.name) errs.push(fieldErrors.required(`${p}.configMap.name`));
    if (v?.secret && !v.secret.secretName) errs.push(fieldErrors.required(`${p}.secret.secretName`));
    for (const [src, mode] of [["configMap", v?.configMap?.defaultMode], ["secret", v?.secret?.defaultMode]] as const) {
      if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
        errs.push(fieldErrors.invalid(`${p}.${src}.defaultMode`, mode, "must be a number between 0 and 0777 (octal), both inclusive"));
      }
    }
    for (const [j, item] of arr(v?.configMap?.items ?? v?.secret?.items).entries()) {
      const ip = `${p}.${v.configMap ? "configMap" : "secret"}.items[${j}]`;
      if (!item?.key) errs.push(fieldErrors.required(`${ip}.key`));
      if (!item?.path) errs.push(fieldErrors.required(`${ip}.path`));
      else if (item.path.startsWith("/") || item.path.split("/").includes("..")) errs.push(fieldErrors.invalid(`${ip}.path`, item.path, "must be a relative path without '..'"));
    }
  });
  return { errs, names };
}

function validateProbe(pr: Probe | undefined, path: string, mustSucceedOnce: boolean): FieldError[] {
  if (!pr) return [];
  const errs: FieldError[] = [];
  const handlers = (["exec", "httpGet", "tcpSocket", "grpc"] as const).filter((h) => pr[h]);
  if (handlers.length === 0) errs.push(fieldErrors.required(path, "must specify a handler type"));
  for (const h of handlers.slice(1)) errs.push(fieldErrors.forbidden(`${path}.${h}`, "may not specify more than 1 handler type"));
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    errs.push(...validateNonNegative(pr[f], `${path}.${f}`));
  }
  if (mustSucceedOnce && pr.successThreshold !== undefined && pr.successThreshold !== 1) errs.push(fieldErrors.invalid(`${path}.successThreshold`, pr.successThreshold, "must be 1"));
  const port = pr.httpGet?.port ?? pr.tcpSocket?.port;
  if (port !== undefined) {
    const msgs = typeof port === "number" ? portNumErrors(port) : portNameErrors(String(port));
    const p = `${path}.${pr.httpGet ? "httpGet" : "tcpSocket"}.port`;
    for (const m of msgs) errs.push(fieldErrors.invalid(p, port, m));
  }
  return errs;
}

function validateResources(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed: Record<string, Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ["limits", "requests"] as const) {
    for (const [name, q] of Object.entries(c.resources?.[kind] ?? {})) {
      const p = `${path}.resources.${kind}[${name}]`;
      for (const m of qualifiedNameErrors(name)) errs.push(fieldErrors.invalid(p, name, m));
      const v = parseQuantity(q);
      if (v === undefined) errs.push(fieldErrors.invalid(p, q, quantityError));
      else if (v < 0) errs.push(fieldErrors.invalid(p, q, "must be greater than or equal to 0"));
      else parsed[kind][name] = v;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    if (lim !== undefined && req > lim) {
      errs.push(fieldErrors.invalid(`${path}.resources.requests`, c.resources!.requests![name], `must be less than or equal to ${name} limit of ${c.resources!.limits![name]}`));
    }
  }
  return errs;
}

function validateContainer(c: Container, path: string, volumes: Set<string>, hostNetwork: boolean, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(fieldErrors.required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(fieldErrors.invalid(`${path}.image`, c.image, "must not have leading or trailing whitespace"));
  const portNames = new Set<string>();
  arr(c.ports).forEach((port, j) => {
    const p = `${path}.ports[${j}]`;
    if (port?.name !== undefined && port.name !== "") {
      for (const m of portNameErrors(port.name)) errs.push(fieldErrors.invalid(`${p}.name`, port.name, m));
      if (portNames.has(port.name)) errs.push(fieldErrors.duplicate(`${p}.name`, port.name));
      portNames.add(port.name);
    }
    if (port?.containerPort === undefined || port.containerPort === 0) errs.push(fieldErrors.required(`${p}.containerPort`));
    else for (const m of portNumErrors(port.containerPort)) errs.push(fieldErrors.invalid(`${p}.containerPort`, port.containerPort, m));
    if (port?.hostPort) for (const m of portNumErrors(port.hostPort)) errs.push(fieldErrors.invalid(`${p}.hostPort`, port.hostPort, m));
    if (hostNetwork && port?.hostPort && port.hostPort !== port.containerPort) errs.push(fieldErrors.invalid(`${p}.hostPort`, port.hostPort, "must match `containerPort` when `hostNetwork` is true"));
    if (!port?.protocol) errs.push(fieldErrors.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldErrors.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  arr(c.env).forEach((e, j) => {
    const p = `${path}.env[${j}]`;
    if (!e?.name) errs.push(fieldErrors.required(`${p}.name`));
    else for (const m of envVarNameErrors(e.name)) errs.push(fieldErrors.invalid(`${p}.name`, e.name, m));
    const vf = e?.valueFrom;
    if (vf) {
      const n = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter(Boolean).length;
      if (e.value) errs.push(fieldErrors.invalid(`${p}.valueFrom`, "", "may not be specified when `value` is not empty"));
      if (n === 0) errs.push(fieldErrors.invalid(`${p}.valueFrom`, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
      if (n > 1) errs.push(fieldErrors.invalid(`${p}.valueFrom`, "", "may not have more than one field specified at a time"));
      for (const [k, ref] of [["configMapKeyRef", vf.configMapKeyRef], ["secretKeyRef", vf.secretKeyRef]] as const) {
        if (!ref) continue;
        if (!ref.key) errs.push(fieldErrors.required(`${p}.valueFrom.${k}.key`));
        else for (const m of configMapKeyErrors(ref.key)) errs.push(fieldErrors.invalid(`${p}.valueFrom.${k}.key`, ref.key, m));
      }
      if (vf.fieldRef && !vf.fieldRef.fieldPath) errs.push(fieldErrors.required(`${p}.valueFrom.fieldRef.fieldPath`));
    }
  });
  const mountPaths = new Set<string>();
  arr(c.volumeMounts).forEach((vm, j) => {
    const p = `${path}.volumeMounts[${j}]`;
    if (!vm?.name) errs.push(fieldErrors.required(`${p}.name`));
    else if (!volumes.has(vm.name)) errs.push(fieldErrors.invalid(`${p}.name`, vm.name, "not found: no volume of this name in `spec.volumes`"));
    if (!vm?.mountPath) errs.push(fieldErrors.required(`${p}.mountPath`));
    else if (mountPaths.has(vm.mountPath)) errs.push(fieldErrors.invalid(`${p}.mountPath`, vm.mountPath, "must be unique"));
    else mountPaths.add(vm.mountPath);
  });
  // Init containers run to completion, so they may not have readiness or liveness probes.
  if (isInit) {
    for (const f of ["livenessProbe", "readinessProbe", "startupProbe"] as const) if (c[f] && c.restartPolicy !== "Always") errs.push(fieldErrors.forbidden(`${path}.${f}`, "may not be set for init containers without restartPolicy=Always"));
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  }
  errs.push(...validateResources(c, path));
  if (c.imagePullPolicy !== undefined && !["Always", "IfNotPresent", "Never"].includes(c.imagePullPolicy)) errs.push(fieldErrors.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, ["Always", "IfNotPresent", "Never"]));
  if (c.terminationMessagePolicy !== undefined && !["File", "FallbackToLogsOnError"].includes(c.terminationMessagePolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ["File", "FallbackToLogsOnError"]));
  }
  return errs;
}

/** Validates a PodSpec: containers, volumes, policies, scheduling fields. */
export function validatePodSpec(spec: PodSpec | undefined | null, path: string): FieldError[] {
  // A missing spec reads as an empty one, as Go's zero-valued struct does: "containers: Required value".
  if (spec === undefined || spec === null) spec = {} as PodSpec;
  if (typeof spec !== "object" || Array.isArray(spec)) return [fieldErrors.typeInvalid(path, spec, "must be an object")];
  const { errs, names: volumeNames } = validateVolumes(arr(spec.volumes), `${path}.volumes`);
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(fieldErrors.required(`${path}.containers`));
  // Container names share one namespace across init and regular containers.
  const names = new Set<string>();
  for (const [list, isInit] of [["initContainers", true], ["containers", false]] as const) {
    arr(spec[list]).forEach((c, i) => {
      const p = `${path}.${list}[${i}]`;
      if (!c || typeof c !== "object") return void errs.push(fieldErrors.required(p));
      if (!c.name) errs.push(fieldErrors.required(`${p}.name`));
      else {
        for (const m of dns1123LabelErrors(c.name)) errs.push(fieldErrors.invalid(`${p}.name`, c.name, m));
        if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
        names.add(c.name);
      }
      errs.push(...validateContainer(c, p, volumeNames, spec.hostNetwork === true, isInit));
    });
  }
  const oneOf = (field: keyof PodSpec, allowed: string[]) => {
    const v = spec[field];
    if (v === undefined) return;
    if (v === "") errs.push(fieldErrors.required(`${path}.${field}`));
    else if (!allowed.includes(String(v))) errs.push(fieldErrors.notSupported(`${path}.${field}`, v, allowed));
  };
  oneOf("restartPolicy", ["Always", "OnFailure", "Never"]);
  oneOf("dnsPolicy", ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]);
  errs.push(...validateNonNegative(spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`));
  if (spec.activeDeadlineSeconds !== undefined && (!Number.isInteger(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds < 1)) {
    errs.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const f of ["serviceAccountName", "nodeName"] as const) {
    const v = spec[f];
    if (v) for (const m of dns1123SubdomainErrors(v)) errs.push(fieldErrors.invalid(`${path}.${f}`, v, m));
  }
  for (const f of ["hostname", "subdomain"] as const) {
    const v = spec[f];
    if (v) for (const m of dns1123LabelErrors(v)) errs.push(fieldErrors.invalid(`${path}.${f}`, v, m));
  }
  arr(spec.tolerations).forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    if (t?.key) for (const m of qualifiedNameErrors(t.key)) errs.push(fieldErrors.invalid(`${p}.key`, t.key, m));
    if (!t?.key && t?.operator !== "Exists") errs.push(fieldErrors.invalid(`${p}.operator`, t?.operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (t?.operator === "Exists" && t.value) errs.push(fieldErrors.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    if (t?.operator !== undefined && t.operator !== "Exists" && t.operator !== "Equal") errs.push(fieldErrors.notSupported(`${p}.operator`, t.operator, ["Equal", "Exists"]));
    if (t?.effect && !["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)) errs.push(fieldErrors.notSupported(`${p}.effect`, t.effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]));
    if (t?.tolerationSeconds !== undefined && t.effect !== "NoExecute") errs.push(fieldErrors.invalid(`${p}.effect`, t.effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  });
  return errs;
}

/** Validates a pod template: its labels and annotations, then its spec. */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!t || typeof t !== "object") return [fieldErrors.required(path)];
  return [
    ...validateLabels(t.metadata?.labels, `${path}.metadata.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`),
  ];
}

/**
 * A replicated workload's template: present, labels matched by a non-empty selector,
 * valid, and with one of the allowed restart policies (Always for long-running workloads).
 */
export function validateWorkloadTemplate(
  t: PodTemplateSpec | undefined,
  selectorMatches: ((labels: Record<string, string>) => boolean) | undefined,
  path: string,
  restartPolicies: string[],
): FieldError[] {
  if (!t || typeof t !== "object") return [fieldErrors.required(path)];
  const errs: FieldError[] = [];
  if (selectorMatches && !selectorMatches(t.metadata?.labels ?? {})) {
    errs.push(fieldErrors.invalid(`${path}.metadata.labels`, t.metadata?.labels ?? {}, "`selector` does not match template `labels`"));
  }
  errs.push(...validatePodTemplateSpec(t, path));
  const rp = t.spec?.restartPolicy as string | undefined;
  if (t.spec && typeof t.spec === "object" && rp !== undefined && rp !== "" && !restartPolicies.includes(rp)) {
    errs.push(fieldErrors.notSupported(`${path}.spec.restartPolicy`, rp, restartPolicies));
  }
  return errs;
}
