// The log line a routed task error leaves: what the Logs Insights query "why did session X fail" reads.
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { SshTimeoutError } from '../../shared/domain/provisioning-errors.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';

const context = { functionName: 'VerifySsh', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

let restore: (() => void) | undefined;
afterEach(() => restore?.());

function captureStdout(): string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  const level = logger.getLevelName();
  logger.setLogLevel('INFO');
  restore = () => {
    process.stdout.write = write;
    logger.setLogLevel(level);
  };
  return lines;
}

describe('task handler logging', () => {
  it('logs a routed error with the session id, the error name and its message (not dropped as a reserved key)', async () => {
    const lines = captureStdout();
    const handler = taskHandler(taskState, async () => {
      throw new SshTimeoutError('SSH was not reachable with the session key within 10 min (31 probes, last: refused)');
    });
    await expect(handler({ session_id: '5d0c3ad6-3c1b-4a8e-9d53-6c2ad1a9f0d1', attempt: 2 }, context)).rejects.toThrow(SshTimeoutError);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'task ended with a routed error',
        session_id: '5d0c3ad6-3c1b-4a8e-9d53-6c2ad1a9f0d1',
        attempt: 2,
        error_name: 'SshTimeoutError',
        error_message: 'SSH was not reachable with the session key within 10 min (31 probes, last: refused)',
      }),
    );
    expect(records.filter((r) => r['level'] === 'WARN')).toEqual([]);
  });
});
