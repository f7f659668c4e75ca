/**
 * Lays rows out in aligned columns under an upper-case header, for terminals.
 * @example formatTable({ header: ['id', 'name'], rows: [['key_1', 'ci']] })
 */
export function formatTable(options: { header: readonly string[]; rows: ReadonlyArray<readonly string[]> }): string {
  const lines = [options.header.map((title) => title.toUpperCase()), ...options.rows];
  const widths = options.header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  return lines
    .map((line) =>
      widths
        .map((width, column) => (line[column] ?? '').padEnd(width))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A UTC time for people: "2026-11-22 14:05 UTC". */
export function formatTimeInMs(timeInMs: number): string {
  return `${new Date(timeInMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
