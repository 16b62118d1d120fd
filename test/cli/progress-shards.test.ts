import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../cli/progress-display';
import type { StageHeartbeat, StageProgress } from '../../workflows/contracts';

/** A non-terminal output that keeps what was written (plain mode: one line per change). */
function capture(): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const out = { isTTY: false, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

describe('the progress display of a sharded stage', () => {
  it('shows shards done out of total, and a bar from finished shards plus the running ones', () => {
    const { out, text } = capture();
    const display = new ProgressDisplay(out);
    const running: StageProgress = { stage: 'decode', subject: 'sim01', state: 'running', shards: { done: 3, total: 10 } };
    const beats: StageHeartbeat[] = [
      { stage: 'decode', subject: 'sim01', shard: 3, fraction: 0.5, message: 'conv1_1 units 8192-16384: predicted units 4096/8192' },
      { stage: 'decode', subject: 'sim01', shard: 4, fraction: 0.5, message: 'conv1_2 units 0-8192: starting' },
    ];
    display.update([running], beats);
    // (3 finished + 0.5 + 0.5 running) of 10 shards: 40 %.
    expect(text()).toContain(`decode [sim01]                     [########............] shards 3/10 conv1_1 units 8192-16384`);
    display.update([{ stage: 'decode', subject: 'sim01', state: 'done', reason: 'new', seconds: 12.5, shards: { done: 10, total: 10 } }], []);
    expect(text()).toContain('done in 12.5 s (new), 10 shards');
  });

  it('shows a plain stage as before', () => {
    const { out, text } = capture();
    new ProgressDisplay(out).update([{ stage: 'evaluate', subject: 'sim01', state: 'running' }], [{ stage: 'evaluate', subject: 'sim01', fraction: 0.5, message: 'scoring' }]);
    expect(text()).toContain('[##########..........] scoring');
    expect(text()).not.toContain('shards');
  });
});
