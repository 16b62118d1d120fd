import type { StageHeartbeat, StageProgress } from '../workflows/contracts';

function label(p: { stage: string; subject?: string; variant?: string }): string {
  const stage = p.variant ? `${p.stage} ${p.variant}` : p.stage;
  return p.subject ? `${stage} [${p.subject}]` : stage;
}

function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** `shards 3/10 ` for a sharded stage, else nothing. */
function shardText(p: StageProgress): string {
  return p.shards ? `shards ${p.shards.done}/${p.shards.total} ` : '';
}

/**
 * How far a stage is: a sharded stage's finished shards plus the running shards' own fractions,
 * out of its shards; a plain stage's heartbeat fraction.
 */
function fractionOf(p: StageProgress, beats: readonly StageHeartbeat[]): number {
  if (!p.shards || p.shards.total === 0) return beats[0]?.fraction ?? 0;
  const running = beats.filter((b) => b.shard !== undefined).reduce((sum, b) => sum + b.fraction, 0);
  return Math.min(1, (p.shards.done + running) / p.shards.total);
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
    const beatsOf = (p: StageProgress) => heartbeats.filter((h) => h.stage === p.stage && h.subject === p.subject && h.variant === p.variant);
    const lines = stages.map((p) => {
      const beats = beatsOf(p);
      switch (p.state) {
        case 'pending':
          return `  ${label(p).padEnd(34)} pending`;
        case 'running':
          return `  ${label(p).padEnd(34)} ${bar(fractionOf(p, beats))} ${shardText(p)}${beats[0]?.message ?? 'running'}`;
        case 'done':
          return `  ${label(p).padEnd(34)} ${p.reason === 'cached' ? 'cached' : `done in ${(p.seconds ?? 0).toFixed(1)} s (${p.reason})`}${p.shards ? `, ${p.shards.total} shards` : ''}`;
        case 'failed':
          return `  ${label(p).padEnd(34)} FAILED: ${shardText(p)}${p.error ?? ''}`;
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
      // Plain mode prints a stage when its state changes, and running stages every 10 %.
      const step = p.state === 'running' ? `running:${Math.floor(fractionOf(p, beatsOf(p)) * 10)}` : p.state;
      if (p.state !== 'pending' && this.printed.get(id) !== step) {
        this.printed.set(id, step);
        this.out.write(`${lines[i]}\n`);
      }
    });
  }
}
