import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { stageRowsFromHistory } from '../../cli/status-command';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Long = NonNullable<HistoryEvent['eventId']>;
/** Ids and times are protobuf Longs in a real history; status reads them with String() and Number(), as it reads numbers. */
const long = (n: number): Long => n as unknown as Long;

/** A small workflow history, event by event, as the server returns it (payloads encoded). */
class History {
  readonly events: HistoryEvent[] = [];
  private at = 0;
  private add(fields: HistoryEvent): number {
    const eventId = this.events.length + 1;
    this.events.push({ eventId: long(eventId), eventTime: { seconds: long(this.at++) }, ...fields });
    return eventId;
  }
  private payloads(value: unknown) {
    return { payloads: [defaultPayloadConverter.toPayload(value)] };
  }
  schedule(type: string, input: unknown): number {
    return this.add({ activityTaskScheduledEventAttributes: { activityType: { name: type }, input: this.payloads(input) } });
  }
  start(scheduledEventId: number, attempt = 1): void {
    this.add({ activityTaskStartedEventAttributes: { scheduledEventId: long(scheduledEventId), attempt } });
  }
  complete(scheduledEventId: number, result: unknown): void {
    this.add({ activityTaskCompletedEventAttributes: { scheduledEventId: long(scheduledEventId), result: this.payloads(result) } });
  }
  fail(scheduledEventId: number, message: string): void {
    this.add({ activityTaskFailedEventAttributes: { scheduledEventId: long(scheduledEventId), failure: { message } } });
  }
  child(input: unknown): number {
    return this.add({ startChildWorkflowExecutionInitiatedEventAttributes: { workflowType: { name: 'shardBatchWorkflow' }, input: this.payloads(input) } });
  }
  childDone(initiatedEventId: number, result: unknown): void {
    this.add({ childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: long(initiatedEventId), result: this.payloads(result) } });
  }
}

const request = { subject: 'sim01', config: {}, inputs: {}, store: {} };
const plan = { groups: [{ name: 'conv1', size: 3 }], shardSize: 1 };
const shard = (index: number) => ({ ...request, shard: { index, group: 'conv1', start: index, end: index + 1 }, shards: 3 });
const ran = (reason: string, secs: number) => ({ reason, seconds: secs, outputs: {} });

describe('status of a sharded stage', () => {
  it('is one row: shards done out of all while it runs, then ran with the time from plan to merge', () => {
    const h = new History();
    const p = h.schedule('decodePlan', { ...request, shardSize: 1 });
    h.start(p);
    h.complete(p, { plan });
    const shards = [0, 1, 2].map((i) => h.schedule('decode', shard(i)));
    shards.forEach((s) => h.start(s));
    h.complete(shards[0]!, { index: 0, key: 'k0', reason: 'new', seconds: 1 });
    h.start(shards[1]!, 2);
    let rows = stageRowsFromHistory(h.events);
    expect(rows).toEqual([{ stage: 'decode', subject: 'sim01', state: 'running', why: '', attempts: 2, shards: { done: 1, total: 3 } }]);
    h.complete(shards[1]!, { index: 1, key: 'k1', reason: 'cached', seconds: 0 });
    h.complete(shards[2]!, { index: 2, key: 'k2', reason: 'new', seconds: 1 });
    const m = h.schedule('decodeMerge', { ...request, plan });
    h.start(m);
    h.complete(m, ran('new', 0.5));
    const evaluate = h.schedule('evaluate', request);
    h.start(evaluate);
    rows = stageRowsFromHistory(h.events);
    expect(rows).toHaveLength(2);
    // Plan scheduled at t = 0, merge completed at t = 15 (one event a second).
    expect(rows[0]).toEqual({ stage: 'decode', subject: 'sim01', state: 'ran', why: 'first run of this stage', attempts: 2, shards: { done: 3, total: 3 }, seconds: 15 });
    expect(rows[1]).toMatchObject({ stage: 'evaluate', state: 'running', attempts: 1 });
  });

  it('a plan that finds the stage cached is the row, cached; a failed shard fails the row', () => {
    const h = new History();
    const cached = h.schedule('reconstructPlan', { ...request, variant: 'icnn-gd', shardSize: 50 });
    h.start(cached);
    h.complete(cached, { plan, cached: ran('cached', 0.2) });
    const other = h.schedule('reconstructPlan', { ...request, variant: 'cgan', shardSize: 50 });
    h.start(other);
    h.complete(other, { plan });
    const s = h.schedule('reconstruct', { ...shard(0), variant: 'cgan' });
    h.start(s);
    h.fail(s, 'out of memory');
    expect(stageRowsFromHistory(h.events)).toEqual([
      { stage: 'reconstruct', subject: 'sim01', variant: 'icnn-gd', state: 'cached', why: 'same config, inputs and code', attempts: 1, seconds: 0.2 },
      { stage: 'reconstruct', subject: 'sim01', variant: 'cgan', state: 'failed', why: 'out of memory', attempts: 1, shards: { done: 0, total: 3 } },
    ]);
  });

  it('shards run in child workflows count when their batch completes', () => {
    const h = new History();
    const p = h.schedule('decodePlan', { ...request, shardSize: 1 });
    h.start(p);
    h.complete(p, { plan });
    const a = h.child({ stage: 'decode', request, plan, batch: { start: 0, end: 200 }, shards: 400, taskQueue: 'q' });
    h.child({ stage: 'decode', request, plan, batch: { start: 200, end: 400 }, shards: 400, taskQueue: 'q' });
    h.childDone(a, { done: 200, cached: 10 });
    expect(stageRowsFromHistory(h.events)).toEqual([{ stage: 'decode', subject: 'sim01', state: 'running', why: '', attempts: 1, shards: { done: 200, total: 400 } }]);
  });
});
