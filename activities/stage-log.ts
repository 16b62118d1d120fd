import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import type { ShardRequest, StageResult } from '../workflows/contracts';

/** What a worker says about each stage it runs: one line at its start and one at its end. */
export type StageLog = (line: string) => void;

function describe(ctx: Context, request: Partial<ShardRequest<unknown>> | undefined): string {
  const stage = request?.variant ? `${ctx.info.activityType} ${request.variant}` : ctx.info.activityType;
  const shard = request?.shard && request.shards ? ` shard ${request.shard.index + 1}/${request.shards} (${request.shard.group} ${request.shard.start}–${request.shard.end})` : '';
  return `${request?.subject ? `${stage} [${request.subject}]` : stage}${shard}`;
}

/**
 * An activity interceptor that logs every stage's start and end with the worker's identity, so a
 * lab reading a worker's log sees which stage ran where, for how long, and on which attempt.
 */
export function stageLogInterceptor(identity: string, log: StageLog): ActivityInterceptorsFactory {
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
        const what = describe(ctx, input.args[0] as Partial<ShardRequest<unknown>> | undefined);
        const attempt = `attempt ${ctx.info.attempt}`;
        const started = Date.now();
        log(`[${identity}] start ${what} (${attempt}, queue ${ctx.info.taskQueue})`);
        const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
        try {
          const result = await next(input);
          const reason = (result as Partial<StageResult> | undefined)?.reason;
          log(`[${identity}] end ${what}: ${reason ?? 'done'} in ${seconds()} s (${attempt})`);
          return result;
        } catch (error) {
          log(`[${identity}] end ${what}: failed after ${seconds()} s (${attempt}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          throw error;
        }
      },
    };
    return { inbound };
  };
}
