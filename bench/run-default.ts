/**
 * The default experiment, timed: each repetition runs every stage from scratch (a fresh artifact
 * folder), then one more run shows the fully cached case. Prints per-stage medians, totals and
 * peak memory. Run: npm run bench [-- --repeats N] [-- --config FILE] [-- --workers N]
 * (--workers: local worker processes in all, default one per core, as `deeprecon run` does).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { runCommand } from '../cli/run-command';
import { loadExperimentConfig } from '../configs/load';
import type { ExperimentResult } from '../workflows/contracts';
import { median } from './median';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeats: { type: 'string', default: '3' }, config: { type: 'string', default: 'configs/default.yaml' }, workers: { type: 'string' } } });
  const repeats = Number(values.repeats);
  const workerProcesses = values.workers === undefined ? os.availableParallelism() : Number(values.workers);
  const base = await loadExperimentConfig(values.config);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-bench-'));
  const stageSeconds = new Map<string, number[]>();
  const totals: number[] = [];
  let last: ExperimentResult | undefined;
  let helperPeaks: number[] = [];
  try {
    for (let r = 0; r < repeats + 1; r++) {
      // Repetitions use their own store (all stages new); the extra last run reuses the previous store.
      const store = path.join(dir, `artifacts-${Math.min(r, repeats - 1)}`);
      const file = path.join(dir, `bench-${r}.yaml`);
      await fs.writeFile(file, stringify({ ...base, name: `bench-${r}`, store: { type: 'local', path: store } }));
      const t0 = performance.now();
      last = await runCommand({ configFile: file, connection: { namespace: 'default', stateDir: path.join(dir, 'state') }, force: [], runsDir: path.join(dir, 'runs'), quiet: true, workerProcesses });
      const seconds = (performance.now() - t0) / 1000;
      if (r < repeats) {
        totals.push(seconds);
        for (const s of last.stages) {
          const name = s.variant ? `${s.stage} ${s.variant}` : s.stage;
          stageSeconds.set(name, [...(stageSeconds.get(name) ?? []), s.seconds]);
        }
      } else {
        const cachedStages = last.stages.filter((s) => s.cached).length;
        console.log(`cached re-run: ${seconds.toFixed(1)} s, ${cachedStages}/${last.stages.length} stages cached (${(median(totals) / seconds).toFixed(1)}x faster)`);
      }
      process.stderr.write(`run ${r + 1}/${repeats + 1}: ${seconds.toFixed(1)} s\n`);
    }
    helperPeaks = await helperPeakMemory(path.join(dir, 'state', 'workers'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(`config ${values.config}, ${repeats} uncached runs, ${workerProcesses} worker processes, ${os.cpus().length} cores, node ${process.version}`);
  console.log(`${'stage'.padEnd(28)} median s   runs`);
  for (const [stage, seconds] of stageSeconds) console.log(`${stage.padEnd(28)} ${median(seconds).toFixed(1).padStart(8)}   ${seconds.map((s) => s.toFixed(1)).join(', ')}`);
  console.log(`${'total'.padEnd(28)} ${median(totals).toFixed(1).padStart(8)}   ${totals.map((s) => s.toFixed(1)).join(', ')}`);
  for (const s of last?.scores ?? []) console.log(`score ${s.subject} ${s.method} ${s.stimulusSet} ${s.metric}: ${s.value.toFixed(3)}`);
  console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process)${helperPeaks.map((m) => `, ${m} MiB`).join('')}${helperPeaks.length ? ' (worker processes, peak over all runs)' : ''}`);
}

/** Each helper worker process logs its peak memory when it stops (cli/worker-command.ts). */
async function helperPeakMemory(logDir: string): Promise<number[]> {
  const files = await fs.readdir(logDir).catch(() => [] as string[]);
  const peaks: number[] = [];
  for (const file of files.sort()) {
    // The logs are appended to by every run of the bench: the largest figure is the peak over all of them.
    const figures = [...(await fs.readFile(path.join(logDir, file), 'utf8')).matchAll(/peak resident memory (\d+) MiB/g)].map((m) => Number(m[1]));
    if (figures.length > 0) peaks.push(Math.max(...figures));
  }
  return peaks;
}

runBench(main);
