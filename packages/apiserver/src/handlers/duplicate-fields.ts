/**
 * JSON.parse keeps the last of two equal keys silently; Kubernetes' strict decoding rejects
 * them. This scanner walks the raw JSON text once and reports each duplicated field by path
 * (`spec.replicas`), so fieldValidation=Strict can refuse it and Warn can warn about it.
 * It assumes the text already parsed as JSON.
 */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        const key = str();
        const p = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(p);
        seen.add(key);
        ws();
        i++; // ':'
        value(p);
        ws();
        if (text[i++] === "}") return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i++] === "]") return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
    }
  };
  value("");
  return found;
}

/**
 * False when text (which JSON.parse turned into parsed) certainly has no duplicated key: it has
 * as many keys as parsed has, and JSON.parse keeps one key per duplicate. Counting keys jumps
 * from quote to quote with indexOf; with the walk of the object it costs a fraction of
 * duplicateFields, which only the rest need.
 */
export function mayHaveDuplicateFields(text: string, parsed: unknown): boolean {
  return keysInText(text) !== countKeys(parsed);
}

/** Strings followed by a colon; -1 when the text ends inside a string. */
function keysInText(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; ) {
    let end = text.indexOf('"', i + 1);
    for (;;) {
      if (end < 0) return -1;
      let slashes = 0;
      while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
      if (slashes % 2 === 0) break; // an escaped quote has an odd number of backslashes before it
      end = text.indexOf('"', end + 1);
    }
    let k = end + 1;
    let c = text.charCodeAt(k);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(++k);
    if (c === 58) n++;
    i = text.indexOf('"', k);
  }
  return n;
}

function countKeys(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += countKeys(x);
    return n;
  }
  for (const k in v) n += 1 + countKeys((v as Record<string, unknown>)[k]);
  return n;
}
