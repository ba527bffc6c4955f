/**
 * meta/v1 messages shared by every kind (k8s.io.apimachinery.pkg.apis.meta.v1).
 * Field numbers follow apimachinery v0.32 generated.proto; see dsl.ts for the notation.
 */
import { msg, type PackageDef } from "./dsl.js";

export const metaV1: PackageDef = {
  alias: "meta",
  apiVersion: "",
  openapiPrefix: "io.k8s.apimachinery.pkg.apis.meta.v1",
  kinds: ["DeleteOptions"],
  messages: {
    ObjectMeta: msg("Identity and bookkeeping data that every stored object carries.", {
      name: [1, "string", "The object's name, unique per kind within its namespace."],
      generateName: [2, "string", "A prefix the server completes with random characters when name is empty."],
      namespace: [3, "string", "The namespace holding the object; empty for cluster-scoped kinds."],
      selfLink: [4, "string", "Legacy URL of the object; no longer filled in."],
      uid: [5, "string", "A server-assigned identifier that is never reused."],
      resourceVersion: [6, "string", "Opaque version token used for optimistic concurrency and watches."],
      generation: [7, "int64", "Counter the server increments whenever the desired state changes."],
      creationTimestamp: [8, "Time", "When the server first stored the object."],
      deletionTimestamp: [9, "*Time", "When graceful deletion was requested; set by the server."],
      deletionGracePeriodSeconds: [10, "*int64", "Seconds the object is given to terminate before it is removed."],
      labels: [11, "map[string]string", "Key/value pairs used to select and group objects."],
      annotations: [12, "map[string]string", "Free-form key/value data for tools; not used for selection."],
      ownerReferences: [13, "[]OwnerReference", "Objects this one depends on; the garbage collector deletes it when they go."],
      finalizers: [14, "[]string", "Names of cleanup steps that must finish before the object is deleted."],
      managedFields: [17, "[]ManagedFieldsEntry", "Which field manager set which fields, maintained by the server."],
    }),
    OwnerReference: msg("A pointer from an object to an object that owns it.", {
      apiVersion: [5, "string", "The owner's API version."],
      kind: [1, "string", "The owner's kind."],
      name: [3, "string", "The owner's name."],
      uid: [4, "string", "The owner's uid, so a recreated owner is not mistaken for this one."],
      controller: [6, "*bool", "True when the owner is the managing controller; at most one owner may say so."],
      blockOwnerDeletion: [7, "*bool", "When true, foreground deletion of the owner waits for this object."],
    }),
    ManagedFieldsEntry: msg("Records the fields one manager owns after one kind of operation.", {
      manager: [1, "string", "The name of the actor that manages these fields."],
      operation: [2, "string", "Apply or Update: how the fields were written."],
      apiVersion: [3, "string", "The API version the field set is expressed in."],
      time: [4, "*Time", "When the entry last changed."],
      fieldsType: [6, "string", "The format of fieldsV1; always FieldsV1."],
      fieldsV1: [7, "*FieldsV1", "The owned fields as a nested tree of f: and k: keys."],
      subresource: [8, "string", "The subresource the write went through, if any."],
    }),
    LabelSelector: msg("A query over labels; all listed conditions must hold.", {
      matchLabels: [1, "map[string]string", "Labels that must be present with exactly these values."],
      matchExpressions: [2, "[]LabelSelectorRequirement", "Set-based conditions on label keys."],
    }),
    LabelSelectorRequirement: msg("One set-based condition on a label key.", {
      key: [1, "string", "The label key the condition tests."],
      operator: [2, "string", "One of In, NotIn, Exists, DoesNotExist."],
      values: [3, "[]string", "Values for In and NotIn; empty for Exists and DoesNotExist."],
    }),
    DeleteOptions: msg("Parameters of a delete request.", {
      gracePeriodSeconds: [1, "*int64", "Seconds to wait before deleting; zero deletes at once."],
      preconditions: [2, "*Preconditions", "Conditions the object must meet to be deleted."],
      orphanDependents: [3, "*bool", "Deprecated: leave dependents in place; use propagationPolicy."],
      propagationPolicy: [4, "*string", "Orphan, Background or Foreground handling of dependents."],
      dryRun: [5, "[]string", "When set to All, validate the request without persisting anything."],
      ignoreStoreReadErrorWithClusterBreakingPotential: [6, "*bool", "Force-delete objects the store cannot decode; dangerous."],
    }),
    Preconditions: msg("Conditions checked before a delete goes ahead.", {
      uid: [1, "*string", "The uid the object must have."],
      resourceVersion: [2, "*string", "The resourceVersion the object must have."],
    }),
  },
};
