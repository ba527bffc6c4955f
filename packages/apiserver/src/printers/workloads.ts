/**
 * Printers for the controllers' objects: Deployment, ReplicaSet, ReplicationController,
 * StatefulSet, DaemonSet, ControllerRevision (apps) and Job, CronJob (batch).
 */
import type { KObject, LabelSelector } from "@kates/api";
import { ageColumn, col, containerCells, containersColumn, formatLabels, formatSelector, imagesColumn, nameColumn, selectorColumn, selectorString } from "./format.js";
import { humanDuration, since } from "./duration.js";
import type { RowPrinter } from "./types.js";

interface Template {
  spec?: { containers?: { name?: string; image?: string }[]; nodeSelector?: Record<string, string> };
}

interface Condition {
  type: string;
  status: string;
}

interface WorkloadShape extends KObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: Template;
  };
  status?: Record<string, number | undefined>;
}

const n = (v: number | undefined): number => v ?? 0;
const age = (o: KObject, now: Date) => since(o.metadata.creationTimestamp, now);
const wideCells = (o: WorkloadShape): string[] => [...containerCells(o.spec?.template?.spec?.containers), selectorString(o.spec?.selector)];

/** Deployments: Ready `ready/desired`, Up-to-date, Available. */
export const deploymentPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Ready", "Number of the pod with ready state"),
    col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    col("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(obj, now) {
    const d = obj as WorkloadShape;
    const st = d.status ?? {};
    return [d.metadata.name, `${n(st.readyReplicas)}/${n(d.spec?.replicas)}`, n(st.updatedReplicas), n(st.availableReplicas), age(d, now), ...wideCells(d)];
  },
};

const replicaColumns = [
  nameColumn,
  col("Desired", "Number of desired pods.", { type: "integer" }),
  col("Current", "Number of pods most recently observed.", { type: "integer" }),
  col("Ready", "Number of pods with a Ready condition.", { type: "integer" }),
  ageColumn,
  containersColumn,
  imagesColumn,
  selectorColumn,
];

/** ReplicaSets: Desired, Current, Ready. */
export const replicaSetPrinter: RowPrinter = {
  columns: replicaColumns,
  cells(obj, now) {
    const rs = obj as WorkloadShape;
    const st = rs.status ?? {};
    return [rs.metadata.name, n(rs.spec?.replicas), n(st.replicas), n(st.readyReplicas), age(rs, now), ...wideCells(rs)];
  },
};

/** ReplicationControllers: as ReplicaSets, but the selector is a plain label map. */
export const replicationControllerPrinter: RowPrinter = {
  columns: replicaColumns,
  cells(obj, now) {
    const rc = obj as KObject & { spec?: { replicas?: number; selector?: Record<string, string>; template?: Template }; status?: Record<string, number> };
    const st = rc.status ?? {};
    return [
      rc.metadata.name,
      n(rc.spec?.replicas),
      n(st.replicas),
      n(st.readyReplicas),
      age(rc, now),
      ...containerCells(rc.spec?.template?.spec?.containers),
      formatLabels(rc.spec?.selector),
    ];
  },
};

/** StatefulSets: Ready `ready/desired`. */
export const statefulSetPrinter: RowPrinter = {
  columns: [nameColumn, col("Ready", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn],
  cells(obj, now) {
    const s = obj as WorkloadShape;
    return [s.metadata.name, `${n(s.status?.readyReplicas)}/${n(s.spec?.replicas)}`, age(s, now), ...containerCells(s.spec?.template?.spec?.containers)];
  },
};

/** DaemonSets: the scheduling counters and the template's node selector. */
export const daemonSetPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Desired", "Number of nodes that should be running the daemon pod.", { type: "integer" }),
    col("Current", "Number of nodes running at least one daemon pod that are supposed to.", { type: "integer" }),
    col("Ready", "Number of nodes with a ready daemon pod.", { type: "integer" }),
    col("Up-to-date", "Number of nodes running the updated daemon pod.", { type: "integer" }),
    col("Available", "Number of nodes with an available daemon pod.", { type: "integer" }),
    col("Node Selector", "Labels a node must have for the pod to fit on it."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(obj, now) {
    const ds = obj as WorkloadShape;
    const st = ds.status ?? {};
    return [
      ds.metadata.name,
      n(st.desiredNumberScheduled),
      n(st.currentNumberScheduled),
      n(st.numberReady),
      n(st.updatedNumberScheduled),
      n(st.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      ...wideCells(ds),
    ];
  },
};

interface JobShape extends KObject {
  spec?: { completions?: number; parallelism?: number; selector?: LabelSelector; template?: Template };
  status?: { conditions?: Condition[]; startTime?: string; completionTime?: string; succeeded?: number };
}

const hasCondition = (conds: Condition[] | undefined, type: string) => (conds ?? []).some((c) => c.type === type && c.status === "True");

/** The Status cell of a job: its terminal condition, else Terminating/Suspended/..., else Running. */
export function jobStatus(job: JobShape): string {
  const conds = job.status?.conditions;
  if (hasCondition(conds, "Complete")) return "Complete";
  if (hasCondition(conds, "Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (hasCondition(conds, "Suspended")) return "Suspended";
  if (hasCondition(conds, "FailureTarget")) return "FailureTarget";
  if (hasCondition(conds, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** Jobs: Status, Completions `succeeded/completions`, Duration (running time so far if unfinished). */
export const jobPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Status", "Status of the job."),
    col("Completions", "The number of pods which reached phase Succeeded, out of those wanted."),
    col("Duration", "Time required to complete the job."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(obj, now) {
    const job = obj as JobShape;
    const spec = job.spec ?? {};
    const succeeded = n(job.status?.succeeded);
    let completions: string;
    if (spec.completions !== undefined && spec.completions !== null) completions = `${succeeded}/${spec.completions}`;
    else if (n(spec.parallelism) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
    else completions = `${succeeded}/1`;
    const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
    const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
    const duration = Number.isNaN(start) ? "" : humanDuration(end - start);
    return [job.metadata.name, jobStatus(job), completions, duration, age(job, now), ...containerCells(spec.template?.spec?.containers), selectorString(spec.selector)];
  },
};

interface CronJobShape extends KObject {
  spec?: {
    schedule?: string;
    timeZone?: string | null;
    suspend?: boolean | null;
    jobTemplate?: { spec?: { selector?: LabelSelector; template?: Template } };
  };
  status?: { active?: unknown[]; lastScheduleTime?: string };
}

/** CronJobs: Schedule, Timezone, Suspend, Active, Last Schedule. */
export const cronJobPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Schedule", "The schedule in Cron format."),
    col("Timezone", "The time zone the schedule is interpreted in."),
    col("Suspend", "Whether subsequent executions are suspended.", { type: "boolean" }),
    col("Active", "Number of currently running jobs.", { type: "integer" }),
    col("Last Schedule", "When the job was last successfully scheduled."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(obj, now) {
    const cj = obj as CronJobShape;
    const spec = cj.spec ?? {};
    const suspend = spec.suspend === undefined || spec.suspend === null ? "<unset>" : spec.suspend ? "True" : "False";
    const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : "<none>";
    const tmpl = spec.jobTemplate?.spec;
    return [
      cj.metadata.name,
      spec.schedule ?? "",
      spec.timeZone ?? "<none>",
      suspend,
      (cj.status?.active ?? []).length,
      last,
      age(cj, now),
      ...containerCells(tmpl?.template?.spec?.containers),
      formatSelector(tmpl?.selector),
    ];
  },
};

/** `statefulset.apps/web`: how kubectl names a controller (lower-case kind.group, then name). */
function controllerName(o: KObject): string {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return "<none>";
  const slash = ref.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : ref.apiVersion.slice(0, slash);
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ""}/${ref.name}`;
}

/** ControllerRevisions: the owning controller and the revision number. */
export const controllerRevisionPrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Controller", "Controller of the object."),
    col("Revision", "Revision of the ControllerRevision.", { type: "integer" }),
    ageColumn,
  ],
  cells(obj, now) {
    const revision = (obj as KObject & { revision?: number }).revision ?? 0;
    return [obj.metadata.name, controllerName(obj), revision, age(obj, now)];
  },
};
