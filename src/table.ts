// A text table: columns padded on the plain text, then coloured cell by cell, so that colour codes
// never break the alignment. The last column is not padded (no trailing blanks).

export type CellColour = (row: number, col: number, text: string) => string;

/** Display width of plain text: one column per code point (no wide characters in lsvc's tables). */
// eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are what is counted
export const textWidth = (text: string): number => [...text].length;

export function tableWidths(rows: string[][]): number[] {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  return Array.from({ length: cols }, (_, c) => Math.max(0, ...rows.map((r) => textWidth(r[c] ?? ''))));
}

/** The width of the widest line `renderTable` makes of these rows. */
export function tableWidth(rows: string[][], indent = 0, gap = 2): number {
  const widths = tableWidths(rows);
  return indent + widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, widths.length - 1);
}

export function renderTable(
  rows: string[][],
  colour: CellColour = (_r, _c, text) => text,
  { indent = 0, gap = 2 }: { indent?: number; gap?: number } = {},
): string[] {
  const widths = tableWidths(rows);
  return rows.map((r, i) => {
    const cells = r.map((cell, c) => {
      const padded = c === r.length - 1 ? cell : cell + ' '.repeat((widths[c] ?? 0) - textWidth(cell));
      return colour(i, c, padded);
    });
    return `${' '.repeat(indent)}${cells.join(' '.repeat(gap))}`.trimEnd();
  });
}
