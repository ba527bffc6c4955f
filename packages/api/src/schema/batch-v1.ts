/**
 * batch/v1: Job and CronJob.
 * Field numbers follow k8s.io/api v0.32 generated.proto; see dsl.ts for the notation.
 */
import { msg, type PackageDef } from "./dsl.js";

export const batchV1: PackageDef = {
  alias: "batch",
  apiVersion: "batch/v1",
  openapiPrefix: "io.k8s.api.batch.v1",
  kinds: ["Job", "CronJob"],
  messages: {
    Job: msg("Runs pods until a number of them finish successfully.", {
      metadata: [1, "ObjectMeta", "Standard object metadata."],
      spec: [2, "JobSpec", "What to run and how many completions are needed."],
      status: [3, "JobStatus", "Progress the controller last observed."],
    }),
    JobSpec: msg("Desired behaviour of a job.", {
      parallelism: [1, "*int32", "Most pods running at the same time."],
      completions: [2, "*int32", "Successful pods needed for the job to finish."],
      activeDeadlineSeconds: [3, "*int64", "Seconds the job may run before it is failed."],
      podFailurePolicy: [11, "any", "Rules deciding how pod failures count."],
      successPolicy: [16, "any", "Rules declaring an indexed job successful early."],
      backoffLimit: [7, "*int32", "Retries before the job is marked failed; 6 by default."],
      backoffLimitPerIndex: [12, "*int32", "Retries allowed per index of an indexed job."],
      maxFailedIndexes: [13, "*int32", "Failed indexes tolerated before the job fails."],
      selector: [4, "*LabelSelector", "Labels of the job's pods; generated unless manualSelector is set."],
      manualSelector: [5, "*bool", "Let the user supply the selector instead of generating one."],
      template: [6, "core.PodTemplateSpec", "The pods to run."],
      ttlSecondsAfterFinished: [8, "*int32", "Seconds after finishing before the job is deleted."],
      completionMode: [9, "*string", "NonIndexed or Indexed."],
      suspend: [10, "*bool", "Hold pod creation while true."],
      podReplacementPolicy: [14, "*string", "When replacement pods are created."],
      managedBy: [15, "*string", "The controller that reconciles the job."],
    }),
    JobStatus: msg("Observed progress of a job.", {
      conditions: [1, "[]JobCondition", "Complete, Failed and other conditions."],
      startTime: [2, "*Time", "When the controller started the job."],
      completionTime: [3, "*Time", "When the job finished successfully."],
      active: [4, "int32", "Pods still running."],
      succeeded: [5, "int32", "Pods that succeeded."],
      failed: [6, "int32", "Pods that failed."],
      terminating: [11, "*int32", "Pods being terminated."],
      completedIndexes: [7, "string", "Completed indexes of an indexed job, as ranges."],
      failedIndexes: [10, "*string", "Failed indexes of an indexed job, as ranges."],
      uncountedTerminatedPods: [8, "*UncountedTerminatedPods", "Finished pods not yet counted."],
      ready: [9, "*int32", "Pods that are ready."],
    }),
    JobCondition: msg("One condition of a job.", {
      type: [1, "string", "Complete, Failed, Suspended and so on."],
      status: [2, "string", "True, False or Unknown."],
      lastProbeTime: [3, "Time", "When the condition was last checked."],
      lastTransitionTime: [4, "Time", "When the status last flipped."],
      reason: [5, "string", "A short CamelCase word for the last transition."],
      message: [6, "string", "Human-readable detail."],
    }),
    UncountedTerminatedPods: msg("UIDs of finished pods the controller has not counted yet.", {
      succeeded: [1, "[]string", "UIDs of succeeded pods."],
      failed: [2, "[]string", "UIDs of failed pods."],
    }),
    CronJob: msg("Creates jobs on a repeating schedule.", {
      metadata: [1, "ObjectMeta", "Standard object metadata."],
      spec: [2, "CronJobSpec", "The schedule and the job to create."],
      status: [3, "CronJobStatus", "Active jobs and recent runs."],
    }),
    CronJobSpec: msg("Desired behaviour of a cron job.", {
      schedule: [1, "string", "When to run, in cron syntax."],
      timeZone: [8, "*string", "Time zone the schedule is read in."],
      startingDeadlineSeconds: [2, "*int64", "Seconds after a missed time a run may still start."],
      concurrencyPolicy: [3, "string", "Allow, Forbid or Replace overlapping runs."],
      suspend: [4, "*bool", "Skip future runs while true."],
      jobTemplate: [5, "JobTemplateSpec", "The job created for each run."],
      successfulJobsHistoryLimit: [6, "*int32", "Finished successful jobs to keep."],
      failedJobsHistoryLimit: [7, "*int32", "Failed jobs to keep."],
    }),
    CronJobStatus: msg("Observed state of a cron job.", {
      active: [1, "[]core.ObjectReference", "Jobs currently running."],
      lastScheduleTime: [4, "*Time", "When a job was last scheduled."],
      lastSuccessfulTime: [5, "*Time", "When a job last succeeded."],
    }),
    JobTemplateSpec: msg("The blueprint of jobs a cron job creates.", {
      metadata: [1, "ObjectMeta", "Labels and annotations for the created jobs."],
      spec: [2, "JobSpec", "The spec of the created jobs."],
    }),
  },
};
