/**
 * Printing the benchmark's results: an aligned table for people, then one JSON line with
 * every figure for scripts (it is always the last line of output).
 */

/** One table row: a label, the apiserver figure, the etcd figure, their ratio and a verdict. */
export interface Row {
  label: string;
  api?: string;
  etcd?: string;
  ratio?: string;
  target?: string;
}

/** Renders rows grouped under section titles as a fixed-width table; `head` names the columns. */
export function renderTable(sections: { title: string; rows: Row[] }[], head: Row = { label: "metric", api: "apiserver", etcd: "etcd direct", ratio: "ratio", target: "target" }): string {
  const all = [head, ...sections.flatMap((s) => s.rows)];
  const w = {
    label: Math.max(...all.map((r) => r.label.length)),
    api: Math.max(...all.map((r) => (r.api ?? "").length)),
    etcd: Math.max(...all.map((r) => (r.etcd ?? "").length)),
    ratio: Math.max(...all.map((r) => (r.ratio ?? "").length)),
  };
  const line = (r: Row) =>
    [r.label.padEnd(w.label), (r.api ?? "").padStart(w.api), (r.etcd ?? "").padStart(w.etcd), (r.ratio ?? "").padStart(w.ratio), r.target ?? ""].join("  ").trimEnd();
  const rule = "-".repeat(w.label + w.api + w.etcd + w.ratio + 8 + 28);
  const out = [line(head), rule];
  for (const s of sections) {
    out.push(`[${s.title}]`);
    for (const r of s.rows) out.push(line(r));
  }
  return out.join("\n");
}

/** Formats milliseconds for the table. */
export function ms(n: number): string {
  return Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : "n/a";
}

/** Formats a rate for the table. */
export function perSec(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n)}/s` : "n/a";
}

/** Formats a ratio for the table. */
export function times(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a";
}

/** "PASS (...)" or "FAIL (...)". */
export function verdict(pass: boolean, what: string): string {
  return `${pass ? "PASS" : "FAIL"} (${what})`;
}
