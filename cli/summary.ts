import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExperimentResult } from '../workflows/contracts';

/** Writes `runs/<experiment>/summary.json` and returns its path. */
export async function writeSummary(runsDir: string, result: ExperimentResult, totalSeconds: number): Promise<string> {
  const dir = path.join(runsDir, result.experiment);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'summary.json');
  const body = { ...result, totalSeconds, finishedAt: new Date().toISOString() };
  await fs.writeFile(`${file}.partial`, `${JSON.stringify(body, null, 2)}\n`);
  await fs.rename(`${file}.partial`, file);
  return file;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The end-of-run summary: stages (cached or not, seconds) and scores. */
export function formatSummary(result: ExperimentResult, totalSeconds: number): string {
  const stages = table(
    ['stage', 'subject', 'status', 'seconds'],
    result.stages.map((s) => [s.variant ? `${s.stage} (${s.variant})` : s.stage, s.subject ?? '-', s.cached ? 'cached' : s.reason, s.seconds.toFixed(1)]),
  );
  const interval = (low: number | undefined, high: number | undefined) => (low !== undefined && high !== undefined && Number.isFinite(low) && Number.isFinite(high) ? `[${low.toFixed(3)}, ${high.toFixed(3)}]` : '');
  const scores = table(
    ['subject', 'method', 'stimulus set', 'metric', 'value', '95 % interval'],
    result.scores.map((s) => [s.subject, s.method, s.stimulusSet, s.metric, s.value.toFixed(3), interval(s.low, s.high)]),
  );
  return `\nStages\n${stages}\n\nScores (chance: pairwise and feature identification 0.5, n-way identification 1/N)\n${scores}\n\nTotal ${totalSeconds.toFixed(1)} s\n`;
}
