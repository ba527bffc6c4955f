/**
 * meta.k8s.io/v1 Table: the shape kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints verbatim.
 */
import type { KObject } from "@kates/api";

/** One column of a Table; kubectl upper-cases `name` for the header. */
export interface ColumnDefinition {
  name: string;
  /** "string", "integer", "number", "boolean" or "date". */
  type: string;
  /** "name" marks the column kubectl prefixes with `kind/` in multi-type output. */
  format: string;
  description: string;
  /** 0 always shows; 1 only with `-o wide`. */
  priority: number;
}

/** A row condition; Kubernetes marks finished pods with `Completed`. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** One row: cells in column order, plus the object (or its metadata) it was printed from. */
export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

/** A meta.k8s.io/v1 Table. */
export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** null in watch events after the first: kubectl prints the header once. */
  columnDefinitions: ColumnDefinition[] | null;
  rows: TableRow[];
}

/** What a kind-specific printer computes for one object. */
export interface RowPrinter {
  columns: ColumnDefinition[];
  /** Cells for every column, wide ones included: the server always prints wide, kubectl hides by priority. */
  cells(obj: KObject, now: Date): unknown[];
  conditions?(obj: KObject): TableRowCondition[] | undefined;
}

/** Which part of each object a row carries (`?includeObject=`). */
export type IncludeObject = "None" | "Metadata" | "Object";
