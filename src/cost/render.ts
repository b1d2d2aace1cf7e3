// The estimate as lines for the terminal: one per resource, then the total, always called an
// estimate and dated by the prices it used.
import type { Paint } from '../ui.js';
import type { CostEstimate } from './estimate.js';

export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

export function renderCost(
  estimate: CostEstimate,
  paint: Paint,
  heading = 'Estimated monthly cost',
): string[] {
  const asOf = estimate.pricesAsOf ? `on-demand prices effective ${estimate.pricesAsOf}` : 'on-demand prices';
  const lines = [paint.bold(`${heading} in ${estimate.region} (an estimate from ${asOf}):`)];
  if (estimate.lines.length === 0)
    return [...lines, '  nothing that is priced', ...estimate.notes.map((n) => paint.dim(`  ${n}`))];
  const resourceWidth = Math.max(...estimate.lines.map((l) => l.resource.length), 'total'.length);
  const detailWidth = Math.max(...estimate.lines.map((l) => l.detail.length));
  for (const line of estimate.lines) {
    const head = `  ${line.resource.padEnd(resourceWidth)}  ${line.detail.padEnd(detailWidth)}  `;
    if (line.monthlyUsd === null) {
      lines.push(`${head}${paint.yellow(`cost unknown (${line.unknown ?? 'no price'})`)}`);
    } else {
      lines.push(
        `${head}${usd(line.monthlyUsd).padStart(9)}${line.excludes ? paint.dim(`  ${line.excludes}`) : ''}`,
      );
    }
  }
  const total = estimate.complete
    ? `${usd(estimate.knownUsd).padStart(9)} / month`
    : paint.yellow(
        `unknown: at least ${usd(estimate.knownUsd)} / month (${estimate.lines.filter((l) => l.monthlyUsd === null).length} line(s) without a price)`,
      );
  lines.push(paint.bold(`  ${'total'.padEnd(resourceWidth)}  ${''.padEnd(detailWidth)}  ${total}`));
  for (const note of estimate.notes) lines.push(paint.dim(`  ${note}`));
  lines.push(
    paint.dim(
      '  Before taxes, data transfer and usage-based charges; savings plans and credits are not applied.',
    ),
  );
  return lines;
}
