import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { startLocalProcess } from '../support/local-process.ts';

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Ready once the first inventory refresh (fired at start) has stored a snapshot. */
async function waitForReady(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await get(`${url}/ready`);
  while (last.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await get(`${url}/ready`);
  }
  return last;
}

function ddbEndpoint(output: string): string {
  const found = /DynamoDB Local at (http:\/\/[\d.:]+)/g;
  return [...output.matchAll(found)].at(-1)![1]!;
}

describe('npm start (the local runtime as a process)', () => {
  it('serves health, readiness and JSON 404s, and keeps its state across a Ctrl-C and restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gpu-shopper-'));
    // the product default, whatever the test run's own setting: handlers in execution environments
    const env = { PORT: String(await freePort()), DATA_DIR: dataDir, LOCAL_LAMBDA_ENVIRONMENTS: 'threads' };

    const first = await startLocalProcess(env);
    expect((await get(`${first.url}/health`)).body).toMatchObject({ status: 'ok' });
    expect(await waitForReady(first.url)).toMatchObject({ status: 200, body: { ready: true } });
    const inventory = await get(`${first.url}/api/v1/inventory`);
    expect(inventory.status).toBe(200);
    expect(inventory.body['total']).toBeGreaterThan(0);
    const missing = await get(`${first.url}/api/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_type: 'not_found' });
    expect(typeof missing.body['request_id']).toBe('string');

    const deploymentId = readFileSync(path.join(dataDir, 'deployment-id'), 'utf8').trim();
    expect(deploymentId).toMatch(/^local-[0-9a-f]{8}$/);
    const db1 = createDocumentClient(ddbEndpoint(first.output()));
    await db1.send(new PutCommand({ TableName: 'gpu-shopper', Item: { pk: 'PROBE', sk: 'PROBE', value: 42 } }));
    db1.destroy();
    expect(await first.interrupt()).toBe(0);
    // its stop report: the functions that ran did so in environments of their own, each a measured cold start
    const report = async () => {
      // the line is written just before exit; the pipe may deliver it a moment after the exit event
      for (let i = 0; i < 50 && !/\] environments: /.test(first.output()); i++) await new Promise((r) => setTimeout(r, 100));
      return /\] environments: (\{.*\})$/m.exec(first.output())![1]!;
    };
    const environments = JSON.parse(await report()) as Record<
      string,
      { started: number; cold_start_ms: { p50: number } }
    >;
    expect(environments['InventoryApi']?.started).toBeGreaterThanOrEqual(1);
    expect(environments['InventoryApi']?.cold_start_ms.p50).toBeGreaterThan(0);
    expect(environments['Reconcile']).toMatchObject({ limit: 1, reserved: true });

    const second = await startLocalProcess(env);
    try {
      expect(readFileSync(path.join(dataDir, 'deployment-id'), 'utf8').trim()).toBe(deploymentId);
      const db2 = createDocumentClient(ddbEndpoint(second.output()));
      const { Item } = await db2.send(new GetCommand({ TableName: 'gpu-shopper', Key: { pk: 'PROBE', sk: 'PROBE' } }));
      db2.destroy();
      expect(Item).toMatchObject({ value: 42 });
    } finally {
      expect(await second.interrupt()).toBe(0);
    }
    // two starts, each bundling the functions and cold-starting the environments the start-up schedules use
  }, 240_000);
});
