// The secret-leak audit: whole session lifecycles (running and ended, failed on SSH, failed on a refused key, on both
// marketplaces) on the local runtime with API keys on, debug logging and event logging turned on; then every log line
// (stdout and stderr, EMF metrics included), every stored item in DynamoDB, every execution history and every API
// answer is searched for the sessions' private key material, the provider credentials and the API keys. A private
// key may appear in its own create answer and nowhere else; credentials and API keys nowhere at all.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // before any module creates the Logger: log every event and every level, the worst case for a leak
  process.env['POWERTOOLS_LOGGER_LOG_EVENT'] = 'true';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'DEBUG';
});

import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { DynamoApiKeyStore } from '../../shared/adapters/dynamodb/api-key-store.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { createApiKey } from '../../shared/use-cases/keys/manage-keys.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const VAST_CREDENTIAL = 'vast-audit-credential-7c1f9a3be2d84f06a5b1c9e7d3f2a8b4';
const TENSORDOCK_CREDENTIAL = 'td-audit-credential-5e8b2c7f1a9d4e3b6c0f2a8d7e1b9c4f';

const scenario: ScenarioInput = {
  vastai: {
    api_key: VAST_CREDENTIAL,
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { silent: { ssh: 'never' }, locked: { ssh: 'reject_auth' } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'silent' },
      { gpu: 'H100 SXM', vram_gb: 80, price: 2.0, location: 'Nevada, US', host: 'locked' },
    ],
  },
  tensordock: {
    api_key: TENSORDOCK_CREDENTIAL,
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    offers: [{ gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.4, location: 'Chubbuck, Idaho, United States', tier: 3 }],
  },
};

let h: Harness;
let output = '';
let restore: () => void = () => undefined;
const answers: { what: string; status: number; text: string }[] = [];
const apiKeySecrets: string[] = [];
let consumerKey = '';

/** Every write to stdout and stderr from here on is kept (and still printed when it is not an EMF line). */
function capture(): () => void {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      return i === 1 ? (originals[i] as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest) : true;
    }) as typeof stream.write;
  });
  return () => {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  };
}

async function call(what: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${h.url}${p}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${consumerKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  answers.push({ what, status: res.status, text });
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

beforeAll(async () => {
  restore = capture();
  logger.setLogLevel('DEBUG');
  h = await startHarness(scenario, { AUTH_MODE: 'api-key', AUTH_CACHE_SECONDS: '0', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  const keys = { keys: new DynamoApiKeyStore(createDocumentClient(h.runtime.dynamoDbEndpoint), h.runtime.tableName), clock: () => new Date() };
  const admin = await createApiKey(keys, { admin: true });
  apiKeySecrets.push(admin.api_key);
  // the consumer key is made through the API, so its create answer is an answer like any other
  const res = await fetch(`${h.url}/api/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.api_key}` },
    body: JSON.stringify({ consumer_id: 'audit' }),
  });
  const created = (await res.json()) as { api_key: string };
  answers.push({ what: 'key create', status: res.status, text: JSON.stringify(created) });
  consumerKey = created.api_key;
  apiKeySecrets.push(consumerKey);
});

afterAll(async () => {
  await h?.stop();
  restore();
});

async function offerOf(gpu: string, provider: string): Promise<string> {
  const { body } = await call('inventory', 'GET', `/api/v1/inventory?provider=${provider}&gpu_type=${encodeURIComponent(gpu)}`);
  const offer = (body['offers'] as { id: string }[])[0];
  if (!offer) throw new Error(`no ${gpu} offer`);
  return offer.id;
}

async function waitFor(id: string, statuses: string[]) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { body } = await call(`poll ${id}`, 'GET', `/api/v1/sessions/${id}`);
    if (statuses.includes(String(body['status']))) return body;
    if (Date.now() > deadline) throw new Error(`session ${id} still ${String(body['status'])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function sshEcho(session: Record<string, unknown>, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () =>
        client.exec('echo ok', (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => {
            client.end();
            resolve(out.trim());
          });
        }),
      )
      .on('error', reject)
      .connect({ host: String(session['ssh_host']), port: Number(session['ssh_port']), username: String(session['ssh_user']), privateKey: key, readyTimeout: 5000 });
  });
}

interface Lifecycle {
  id: string;
  key: string;
  createAnswer: string;
}

async function lifecycle(gpu: string, provider: string, expect_: 'running' | 'failed'): Promise<Lifecycle & { final: Record<string, unknown> }> {
  const offerId = await offerOf(gpu, provider);
  const created = await call('create', 'POST', '/api/v1/sessions', { offer_id: offerId, workload_type: 'llm', reservation_hours: 1, auto_retry: false });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const createAnswer = answers.at(-1)!.text;
  const id = String((created.body['session'] as { id: string }).id);
  const key = String(created.body['ssh_private_key']);
  const settled = await waitFor(id, ['running', 'failed']);
  expect(settled['status']).toBe(expect_);
  if (expect_ === 'running') {
    expect(await sshEcho(settled, key)).toBe('ok');
    expect((await call('extend', 'POST', `/api/v1/sessions/${id}/extend`, { additional_hours: 1 })).status).toBe(200);
    await call('diagnostics', 'GET', `/api/v1/sessions/${id}/diagnostics`);
    expect((await call('end', provider === 'vastai' ? 'POST' : 'DELETE', `/api/v1/sessions/${id}${provider === 'vastai' ? '/done' : ''}`)).status).toBe(202);
  }
  const final = await waitFor(id, ['stopped', 'failed']);
  await call('events', 'GET', `/api/v1/sessions/${id}/events`);
  await call('costs', 'GET', `/api/v1/costs?session_id=${id}`);
  return { id, key, createAnswer, final };
}

const bodyLines = (pem: string) =>
  pem
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('-----'));

/**
 * The parts of a private key worth searching for: its base64 body whole, and each of its lines that no other key
 * shares (every OpenSSH key starts with the same `openssh-key-v1` preamble, which identifies no key).
 */
function keyMaterial(pem: string, all: string[]): string[] {
  const others = new Set(all.filter((k) => k !== pem).flatMap(bodyLines));
  const lines = bodyLines(pem);
  return [lines.join(''), ...lines.filter((line) => line.length >= 16 && !others.has(line))];
}

describe('secrets never leave the one create answer', () => {
  let runs: Awaited<ReturnType<typeof lifecycle>>[] = [];

  it('runs lifecycles that succeed, fail on SSH and fail on a refused key, on both marketplaces', async () => {
    runs = await Promise.all([
      lifecycle('RTX 5060 Ti', 'vastai', 'running'),
      lifecycle('RTX 4090', 'tensordock', 'running'),
      lifecycle('RTX 3090', 'vastai', 'failed'),
      lifecycle('H100 SXM', 'vastai', 'failed'),
    ]);
    expect(runs.map((r) => r.final['status'])).toEqual(['stopped', 'stopped', 'failed', 'failed']);
    expect(runs.slice(2).map((r) => r.final['error_type'])).toEqual(['ssh_timeout', 'auth_rejected']);
    for (const run of runs) {
      const material = keyMaterial(run.key, runs.map((r) => r.key));
      expect(material[0]!.length).toBeGreaterThan(300);
      expect(material.length).toBeGreaterThanOrEqual(4); // the body and at least three lines of its own
    }
  }, 120_000);

  function everywhereButAnswers() {
    return {
      logs: output,
      executions: JSON.stringify(h.runtime.stepFunctions.allExecutions()),
    };
  }

  async function tableItems(): Promise<Record<string, unknown>[]> {
    const db = createDocumentClient(h.runtime.dynamoDbEndpoint);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: h.runtime.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  it('the audit looks at real material: logs with every invocation event, histories, stored items, answers', async () => {
    const { logs, executions } = everywhereButAnswers();
    for (const run of runs) {
      expect(logs).toContain(run.id);
      expect(executions).toContain(run.id);
    }
    expect(logs).toContain('"message":"Lambda invocation event"'); // every event was logged
    expect(logs).toMatch(/"authorization":"Bearer \[REDACTED\]"|gsk_[0-9a-f]{12}_\[REDACTED\]/); // events were logged, keys redacted
    expect(logs).toContain('"_aws"'); // EMF metrics
    expect(h.runtime.stepFunctions.allExecutions().length).toBeGreaterThanOrEqual(runs.length + 2);
    expect((await tableItems()).some((i) => String(i['pk']).startsWith('EVENT') || String(i['sk']).startsWith('EVENT'))).toBe(true);
    expect(answers.length).toBeGreaterThan(20);
  });

  it('no private key material in logs, metrics, execution histories (inputs, outputs, errors) or stored items', async () => {
    const { logs, executions } = everywhereButAnswers();
    const stored = JSON.stringify(await tableItems());
    for (const run of runs) {
      for (const fragment of keyMaterial(run.key, runs.map((r) => r.key))) {
        expect(logs.includes(fragment), `key of ${run.id} in logs`).toBe(false);
        expect(executions.includes(fragment), `key of ${run.id} in an execution`).toBe(false);
        expect(stored.includes(fragment), `key of ${run.id} in DynamoDB`).toBe(false);
      }
    }
    expect(logs).not.toContain('PRIVATE KEY-----\n');
    expect(executions).not.toContain('PRIVATE KEY');
    expect(stored).not.toContain('PRIVATE KEY');
  });

  it('each private key appears in exactly one answer: its own create answer', () => {
    for (const run of runs) {
      const material = keyMaterial(run.key, runs.map((r) => r.key));
      const holding = answers.filter((a) => material.some((fragment) => a.text.includes(fragment)));
      expect(holding.map((a) => a.what)).toEqual(['create']);
      expect(holding[0]!.text).toBe(run.createAnswer);
    }
    const others = answers.filter((a) => a.what !== 'create');
    expect(others.some((a) => a.text.includes('PRIVATE KEY'))).toBe(false);
  });

  it('the encrypted keys are gone from storage once their sessions have ended', async () => {
    const secrets = (await tableItems()).filter((i) => i['sk'] === 'SECRET');
    expect(secrets.map((s) => s['session_id'])).toEqual([]);
  });

  it('provider credentials appear nowhere: logs, metrics, histories, stored items, answers', async () => {
    const haystacks = { ...everywhereButAnswers(), stored: JSON.stringify(await tableItems()), answers: JSON.stringify(answers) };
    for (const credential of [VAST_CREDENTIAL, TENSORDOCK_CREDENTIAL]) {
      for (const [where, text] of Object.entries(haystacks)) expect(text.includes(credential), `${credential} in ${where}`).toBe(false);
      // not even a recognisable piece of it
      expect(haystacks.logs.includes(credential.slice(-24)), 'credential tail in logs').toBe(false);
    }
  });

  it('API keys appear only in the answer that created them, and are stored only as hashes', async () => {
    const stored = JSON.stringify(await tableItems());
    const { logs, executions } = everywhereButAnswers();
    for (const key of apiKeySecrets) {
      const secret = key.slice('gsk_000000000000_'.length);
      expect(stored.includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
      expect(executions.includes(secret)).toBe(false);
    }
    expect(answers.filter((a) => a.text.includes(consumerKey)).map((a) => a.what)).toEqual(['key create']);
  });
});
