/**
 * Server-side printing (`Accept: ...;as=Table;g=meta.k8s.io`): kind-specific columns as
 * Kubernetes' printers compute them, and Kubernetes' HumanDuration ages.
 */
export { toTable, printerFor, defaultPrinter } from "./table.js";
export type { ToTableOptions } from "./table.js";
export type { Table, TableRow, TableRowCondition, ColumnDefinition, IncludeObject, RowPrinter } from "./types.js";
export { humanDuration, since } from "./duration.js";
export { podStatusSummary } from "./pod.js";
