// The local Lambda host models execution environments: each concurrent invocation runs in its own environment
// (a worker thread with its own module instance), sequential ones reuse a warm one, idle ones are reaped, the
// reserved concurrency holds, cold starts are measured, one environment's crash or timeout spares the others, and
// error names survive the thread boundary (Step Functions routes on them).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaHost, type LambdaHostOptions } from '../../local/lambda-host.ts';
import type { FunctionSpec } from '../../shared/app-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const fixture = (id: string, file: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
  id,
  entry: `test/fixtures/lambdas/${file}.ts`,
  description: 'test fixture',
  timeoutSeconds: 30,
  memoryMb: 128,
  access: {},
  ...extra,
});

const FUNCTIONS = [
  fixture('Counter', 'counter'),
  fixture('Singleton', 'counter', { reservedConcurrency: 1 }),
  fixture('Quick', 'counter', { timeoutSeconds: 0.5 }),
  fixture('BrokenInit', 'broken-init'),
  fixture('TaskA', 'logging-task'),
  fixture('TaskB', 'logging-task'),
];

interface Answer {
  environment_id: string;
  invocations: number;
  thread_id: number;
  started_at: number;
  ended_at: number;
}

let hosts: LambdaHost[] = [];
const newHost = (options: LambdaHostOptions = {}) => {
  const host = new LambdaHost(ROOT, { mode: 'threads', functions: FUNCTIONS, maxEnvironments: 8, ...options });
  hosts.push(host);
  return host;
};

afterEach(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: Error) => err);

describe('execution environments (threads)', () => {
  it('runs concurrent invocations in separate environments, each with its own module state', async () => {
    const host = newHost();
    const answers = await Promise.all([1, 2, 3].map(() => host.invoke<Answer>('Counter', { wait_ms: 300 })));
    expect(new Set(answers.map((a) => a.environment_id)).size).toBe(3);
    expect(answers.map((a) => a.invocations)).toEqual([1, 1, 1]);
    expect(answers.every((a) => a.thread_id !== 0)).toBe(true);
    const stats = host.environmentStats()['Counter']!;
    expect(stats).toMatchObject({ started: 3, alive: 3, peak_concurrent: 3, concurrent: 0 });
  });

  it('reuses a warm environment for sequential invocations, and measures the one cold start', async () => {
    const host = newHost();
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await host.invoke<Answer>('Counter', {}));
    expect(new Set(answers.map((a) => a.environment_id)).size).toBe(1);
    expect(answers.map((a) => a.invocations)).toEqual([1, 2, 3]);
    const { cold_start_ms, started } = host.environmentStats()['Counter']!;
    expect(started).toBe(1);
    expect(cold_start_ms.count).toBe(1);
    expect(cold_start_ms.p50).toBeGreaterThan(0);
    expect(cold_start_ms.p95).toBe(cold_start_ms.p50);
  });

  it('reaps an idle environment; the next invocation is a fresh cold start', async () => {
    const host = newHost({ idleSeconds: 0.2 });
    const first = await host.invoke<Answer>('Counter', {});
    await new Promise((r) => setTimeout(r, 700));
    expect(host.environmentStats()['Counter']).toMatchObject({ reaped: 1, alive: 0 });
    const second = await host.invoke<Answer>('Counter', {});
    expect(second.environment_id).not.toBe(first.environment_id);
    expect(second.invocations).toBe(1);
    expect(host.environmentStats()['Counter']!.started).toBe(2);
  });

  it('holds a reserved concurrency of 1: a synchronous invoke beyond it is throttled, an asynchronous one waits', async () => {
    const host = newHost();
    const sync = await Promise.allSettled([
      host.invoke<Answer>('Singleton', { wait_ms: 300 }),
      host.invoke<Answer>('Singleton', { wait_ms: 300 }),
    ]);
    expect(sync.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = sync.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as Error).name).toBe('Lambda.TooManyRequestsException');

    const queued = await Promise.all(
      [1, 2, 3].map(() => host.invoke<Answer>('Singleton', { wait_ms: 150 }, { invocationType: 'Event' })),
    );
    const byStart = [...queued].sort((a, b) => a.started_at - b.started_at);
    for (let i = 1; i < byStart.length; i++) expect(byStart[i]!.started_at).toBeGreaterThanOrEqual(byStart[i - 1]!.ended_at);
    expect(host.environmentStats()['Singleton']).toMatchObject({ limit: 1, reserved: true, started: 1, peak_concurrent: 1, throttles: 1, queued: 2 });
  });

  it('queues at the local cap of a function without reserved concurrency instead of throttling', async () => {
    const host = newHost({ maxEnvironments: 2 });
    const answers = await Promise.all([1, 2, 3, 4].map(() => host.invoke<Answer>('Counter', { wait_ms: 200 })));
    expect(new Set(answers.map((a) => a.environment_id)).size).toBe(2);
    expect(host.environmentStats()['Counter']).toMatchObject({ reserved: false, started: 2, peak_concurrent: 2, queued: 2, throttles: 0 });
  });

  it("keeps a handler error's name, message and fields across the thread boundary; the environment stays warm", async () => {
    const host = newHost();
    const err = await failure(host.invoke('Counter', { fail: 'error' }));
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ProviderRateLimitedError', message: 'the provider said 429', retryAfterSeconds: 7 });
    const next = await host.invoke<Answer>('Counter', {});
    expect(next.invocations).toBe(2);
    expect(host.environmentStats()['Counter']).toMatchObject({ started: 1, lost: 0 });
  });

  it('an init error reaches the invocation with its name; the next invocation tries a fresh init', async () => {
    const host = newHost();
    const first = await failure(host.invoke('BrokenInit', {}));
    expect(first).toMatchObject({ name: 'ConfigError', message: 'FIXTURE_SETTING is not set' });
    await failure(host.invoke('BrokenInit', {}));
    expect(host.environmentStats()['BrokenInit']).toMatchObject({ started: 2, lost: 2, alive: 0 });
  });

  it("times out at the function's timeout and discards that environment only", async () => {
    const host = newHost();
    const [slow, fine] = await Promise.all([
      failure(host.invoke('Quick', { wait_ms: 5000 })),
      host.invoke<Answer>('Quick', { wait_ms: 100 }),
    ]);
    expect(slow).toMatchObject({ name: 'Sandbox.Timedout' });
    expect(fine.invocations).toBe(1);
    const again = await host.invoke<Answer>('Quick', {});
    expect(again.environment_id).toBe(fine.environment_id);
    expect(host.environmentStats()['Quick']).toMatchObject({ started: 2, lost: 1, alive: 1 });
  });

  it('a crashed environment fails only its own invocation: Runtime.ExitError, the others carry on', async () => {
    const host = newHost();
    const [exited, uncaught, fine] = await Promise.all([
      failure(host.invoke('Counter', { fail: 'exit' })),
      failure(host.invoke('Counter', { fail: 'uncaught', wait_ms: 2000 })),
      host.invoke<Answer>('Counter', { wait_ms: 300 }),
    ]);
    expect(exited).toMatchObject({ name: 'Runtime.ExitError' });
    expect(uncaught).toMatchObject({ name: 'Runtime.ExitError' });
    expect(fine.invocations).toBe(1);
    const next = await host.invoke<Answer>('Counter', {});
    expect(next.environment_id).toBe(fine.environment_id);
    expect(host.environmentStats()['Counter']).toMatchObject({ started: 3, lost: 2, alive: 1 });
  });

  it('still injects Lambda.Unknown crashes (the chaos knob) in front of the environments', async () => {
    const host = newHost();
    host.faults = { crashAfter: (fn) => fn === 'Counter' };
    expect(await failure(host.invoke('Counter', {}))).toMatchObject({ name: 'Lambda.Unknown' });
    host.faults = {};
    expect((await host.invoke<Answer>('Counter', {})).invocations).toBe(2);
  });
});

describe('logger context per invocation', () => {
  it("two concurrent task invocations log each with their own function name, session_id and request id", async () => {
    const previous = process.env['POWERTOOLS_LOG_LEVEL'];
    process.env['POWERTOOLS_LOG_LEVEL'] = 'INFO';
    let output = '';
    const host = newHost({ output: (text) => (output += text) });
    try {
      // A starts first and logs last: on a shared logger its line would carry B's keys
      await Promise.all([
        host.invoke('TaskA', { session_id: 'session-a', attempt: 1, wait_ms: 600 }),
        new Promise((r) => setTimeout(r, 50)).then(() => host.invoke('TaskB', { session_id: 'session-b', attempt: 2, wait_ms: 0 })),
      ]);
    } finally {
      if (previous === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
      else process.env['POWERTOOLS_LOG_LEVEL'] = previous;
    }
    const deadline = Date.now() + 5000;
    const lines = () =>
      output
        .split('\n')
        .filter((l) => l.includes('fixture task finished'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    while (lines().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const byFunction = Object.fromEntries(lines().map((l) => [String(l['function_name']), l]));
    expect(byFunction['TaskA']).toMatchObject({ session_id: 'session-a', attempt: 1, waited_ms: 600 });
    expect(byFunction['TaskB']).toMatchObject({ session_id: 'session-b', attempt: 2, waited_ms: 0 });
    expect(byFunction['TaskA']!['function_request_id']).not.toBe(byFunction['TaskB']!['function_request_id']);
  });
});
