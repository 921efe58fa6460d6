// The local stand-in for EventBridge schedules: fires each schedule of the app model at its period and invokes
// its target asynchronously with the event EventBridge would send. A run still going when the next tick comes is not overlapped.
import { randomUUID } from 'node:crypto';
import type { ScheduleSpec } from '../shared/app-model.ts';
import { logger } from '../shared/observability/powertools.ts';
import type { LambdaHost } from './lambda-host.ts';

interface SchedulerOptions {
  lambdas: LambdaHost;
  schedules: ScheduleSpec[];
  periodSeconds: (spec: ScheduleSpec) => number;
}

export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  readonly runs = new Map<string, number>();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    for (const spec of this.options.schedules) {
      const period = this.options.periodSeconds(spec);
      this.timers.push(setInterval(() => void this.fire(spec), period * 1000));
      if (spec.runAtLocalStart) void this.fire(spec);
    }
  }

  /** Fire one schedule now (also used by tests and the ops CLI); resolves when its run ends. */
  fire(spec: ScheduleSpec): Promise<void> {
    const running = this.inFlight.get(spec.id);
    if (running) return running;
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'local',
      resources: [`arn:aws:events:local:000000000000:rule/${spec.id}`],
      detail: {},
    };
    const run = this.options.lambdas
      .invoke(spec.functionId, event, { invocationType: 'Event' })
      .then(() => undefined)
      .catch((err: unknown) => logger.error('scheduled run failed', { schedule: spec.id, error: err as Error }))
      .finally(() => {
        this.inFlight.delete(spec.id);
        this.runs.set(spec.id, (this.runs.get(spec.id) ?? 0) + 1);
      });
    this.inFlight.set(spec.id, run);
    return run;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all(this.inFlight.values());
  }
}
