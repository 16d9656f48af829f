/** Plain text tables for humans; `--json` bypasses these. */
export function table(rows: readonly object[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((c) => show((row as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** One record as `key: value` lines. */
export function record(value: object): string {
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  return `${Object.entries(value)
    .map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${show(v)}`)
    .join('\n')}\n`;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
