import type { StageHeartbeat, StageProgress } from '../workflows/contracts';

function label(p: { stage: string; subject?: string; variant?: string }): string {
  const stage = p.variant ? `${p.stage} ${p.variant}` : p.stage;
  return p.subject ? `${stage} [${p.subject}]` : stage;
}

function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * Shows stage progress: a redrawn block on a terminal, plain one-per-change lines otherwise
 * (logs, CI), so piped output stays readable.
 */
export class ProgressDisplay {
  private readonly printed = new Map<string, string>();
  private drawnLines = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  private get live(): boolean {
    return this.out.isTTY === true;
  }

  update(stages: readonly StageProgress[], heartbeats: readonly StageHeartbeat[]): void {
    const lines = stages.map((p) => {
      const beat = heartbeats.find((h) => h.stage === p.stage && h.subject === p.subject && h.variant === p.variant);
      switch (p.state) {
        case 'pending':
          return `  ${label(p).padEnd(34)} pending`;
        case 'running':
          return `  ${label(p).padEnd(34)} ${bar(beat?.fraction ?? 0)} ${beat?.message ?? 'running'}`;
        case 'done':
          return `  ${label(p).padEnd(34)} ${p.reason === 'cached' ? 'cached' : `done in ${(p.seconds ?? 0).toFixed(1)} s (${p.reason})`}`;
        case 'failed':
          return `  ${label(p).padEnd(34)} FAILED: ${p.error ?? ''}`;
      }
    });
    if (this.live) {
      if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
      this.out.write(`${lines.join('\n')}\n`);
      this.drawnLines = lines.length;
      return;
    }
    stages.forEach((p, i) => {
      const id = label(p);
      const beat = heartbeats.find((h) => h.stage === p.stage && h.subject === p.subject && h.variant === p.variant);
      // Plain mode prints a stage when its state changes, and running stages every 10 %.
      const step = p.state === 'running' ? `running:${Math.floor((beat?.fraction ?? 0) * 10)}` : p.state;
      if (p.state !== 'pending' && this.printed.get(id) !== step) {
        this.printed.set(id, step);
        this.out.write(`${lines[i]}\n`);
      }
    });
  }
}
