/**
 * Small formatting helpers shared by the kind printers: column builders, label and selector
 * strings, and the Containers/Images cells of workload printers.
 */
import type { LabelSelector } from "@kates/api";
import type { ColumnDefinition } from "./types.js";

/** A column definition; `wide` columns get priority 1. */
export function col(name: string, description: string, opts: { type?: string; wide?: boolean; format?: string } = {}): ColumnDefinition {
  return { name, type: opts.type ?? "string", format: opts.format ?? "", description, priority: opts.wide ? 1 : 0 };
}

/** The Name column every printer except Event's starts with. */
export const nameColumn = col("Name", "Name must be unique within a namespace; it identifies the object in URLs.", { format: "name" });

/** The Age column, computed from metadata.creationTimestamp. */
export const ageColumn = col("Age", "Time since the object was created (metadata.creationTimestamp).");

/** `a=1,b=2` with keys sorted, or `<none>` for an empty map: how Kubernetes prints a map selector. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

/**
 * A metav1.LabelSelector as its string form (`app=web,tier in (a,b),!legacy`), requirements
 * sorted by key. Both a missing and an empty selector print as "".
 */
export function selectorString(sel: LabelSelector | undefined | null): string {
  if (!sel) return "";
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    const text =
      e.operator === "In" ? `${e.key} in (${values})`
      : e.operator === "NotIn" ? `${e.key} notin (${values})`
      : e.operator === "Exists" ? e.key
      : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(",");
}

/** Like selectorString, but `<none>` when empty (CronJob's wide Selector). */
export function formatSelector(sel: LabelSelector | undefined | null): string {
  return selectorString(sel) || "<none>";
}

interface ContainerLike {
  name?: string;
  image?: string;
}

/** The Containers and Images cells: names and images joined with commas. */
export function containerCells(containers: ContainerLike[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** Access modes in their short form (`RWO,ROX`), in Kubernetes' fixed order. */
export function accessModes(modes: string[] | undefined): string {
  const have = new Set(modes ?? []);
  const order: [string, string][] = [
    ["ReadWriteOnce", "RWO"],
    ["ReadOnlyMany", "ROX"],
    ["ReadWriteMany", "RWX"],
    ["ReadWriteOncePod", "RWOP"],
  ];
  return order.filter(([m]) => have.has(m)).map(([, s]) => s).join(",");
}

/** Shared column descriptions of the workload printers. */
export const containersColumn = col("Containers", "Names of each container in the template.", { wide: true });
export const imagesColumn = col("Images", "Images referenced by each container in the template.", { wide: true });
export const selectorColumn = col("Selector", "Label query over the pods this object manages.", { wide: true });
