// The gpu-shopper CLI against the whole local runtime (simulated marketplaces with real SSH servers): the real binary
// as a child process for a session's whole life, and the entry function in-process for the failure path.
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { formatLabel } from '../../shared/domain/instance.ts';
import type { CleanupResult } from '../../shared/use-cases/reconcile/cleanup-orphans.ts';
import { keyPair, vastClient } from '../sim/helpers.ts';
import { sshExec } from '../support/ssh-exec.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/gpu-shopper.js');

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { silent: { ssh: 'never' } },
    offers: [
      // the cheapest RTX 4090 is the least reliable one: ranked by confidence it comes last
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.2, location: 'Ohio, US', reliability: 0.8, count: 2 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.35, location: 'Oregon, US', reliability: 0.999, count: 3 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.6, location: 'Utah, US', reliability: 0.99 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'silent' },
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    offers: [{ gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.5, location: 'Chubbuck, Idaho, United States' }],
  },
};

let h: Harness;
let workDir: string;

beforeAll(async () => {
  h = await startHarness(scenario);
  workDir = mkdtempSync(path.join(tmpdir(), 'gs-cli-'));
});

afterAll(async () => {
  await h?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A user's shell: none of the test worker's own settings (its table, deployment, provider endpoints). */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(TABLE_NAME|DYNAMODB_ENDPOINT|DEPLOYMENT_ID|GPU_SHOPPER_LOCAL|VASTAI_|TENSORDOCK_|ORPHAN_GRACE)/.test(k),
  ),
);

function exec(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: workDir, env: { ...USER_ENV, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The real `gpu-shopper` binary, as a user runs it, pointed at the harness through its environment variable. */
function bin(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return exec(process.execPath, [BIN, ...args], { GPU_SHOPPER_URL: h.url, ...env });
}

/** The entry function in this process, with captured streams. */
async function cli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--server', h.url, ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

function expectOneLineError(run: Run, pattern: RegExp) {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

type Offer = { id: string; provider: string; price_per_hour: number; availability: string };

async function inventoryOf(query: string): Promise<Offer[]> {
  return (await h.api<{ offers: Offer[] }>('GET', `/api/v1/inventory?${query}`)).body.offers;
}

describe('gpu-shopper against the local runtime', () => {
  it('inventory: a table of the matching offers, cheapest first, with the providers it came from', async () => {
    const run = await bin(['inventory', '--gpu', 'rtx4090', '--limit', '20']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^OFFER\s+PROVIDER\s+GPU\s+GPUS\s+VRAM\s+USD\/H/);
    const rows = lines.slice(1, lines.indexOf(''));
    expect(rows).toHaveLength(7); // 2 + 3 + 1 on Vast.ai, 1 on TensorDock
    const prices = rows.map((r) => Number(/\$(\d+\.\d+)/.exec(r)![1]));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(rows.every((r) => r.includes('RTX 4090'))).toBe(true);
    expect(rows.some((r) => r.includes('tensordock'))).toBe(true);
    expect(run.stdout).toMatch(/7 of 7 matching offers, sorted by price/);
    expect(run.stdout).toMatch(/vastai: ok, \d+ offers, fetched/);

    const json = await bin(['inventory', '--provider', 'tensordock', '-o', 'json']);
    const answer = JSON.parse(json.stdout) as { offers: Offer[]; total: number };
    expect(answer.offers.length).toBeGreaterThan(0);
    expect(answer.offers.every((o) => o.provider === 'tensordock')).toBe(true);
  });

  it('provision --gpu --wait rents the cheapest match, shows live progress, and ends with an ssh command that logs in', async () => {
    const byPrice = await inventoryOf('gpu_type=RTX%204090&sort=price');
    const byConfidence = await inventoryOf('gpu_type=RTX%204090&sort=confidence');
    const cheapest = byPrice[0]!;
    // the scenario reproduces the reference CLI's bug: the first offer by confidence is not the cheapest
    expect(byConfidence[0]!.price_per_hour).toBeGreaterThan(cheapest.price_per_hour);

    const keyFile = path.join(workDir, 'session.key');
    const run = await bin([
      'provision',
      '--gpu',
      'RTX 4090',
      '--consumer',
      'cli-alice',
      '--hours',
      '1',
      '--save-key',
      keyFile,
      '--wait',
      '--poll-interval',
      '200',
    ]);
    expect(run.code, run.stderr).toBe(0);

    // the session is on the cheapest offer
    const sessionId = /session ([0-9a-f-]{36}) is running/.exec(run.stdout)![1]!;
    const session = (await h.api<Record<string, unknown>>('GET', `/api/v1/sessions/${sessionId}`)).body;
    expect(session['offer_id']).toBe(cheapest.id);
    expect(session['consumer_id']).toBe('cli-alice');
    expect(run.stderr).toContain(`cheapest of 7 matching offers: ${cheapest.id}`);

    // live progress: the phases, each SSH probe round with its number and class, the time since the start
    // (a fast phase may pass between two polls; the timeline's steps are all shown)
    expect(run.stderr).toMatch(/\[\s*\d+\.\ds\] (pending|provisioning) · \w+/);
    expect(run.stderr).toMatch(/\[\s*\d+\.\ds\] creating the instance on vastai/);
    expect(run.stderr).toMatch(/\[\s*\d+\.\ds\] instance \d+ created; SSH must answer within \d+s/);
    expect(run.stderr).toMatch(/\[\s*\d+\.\ds\] ssh probe \d+ of attempt 1: ok at login/);
    expect(run.stderr).toMatch(/ssh verified after \d+ probes in \d/);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(/\[\s*\d+\.\ds\] running · ready$/);

    // the key file: mode 0600 (ssh refuses anything else), and the pasted command logs in
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const command = run.stdout.trimEnd().split('\n').at(-1)!;
    const match = /^ssh -i (\S+) -p (\d+) (\w+)@([\d.]+)$/.exec(command);
    expect(match, command).not.toBeNull();
    const [, key, port, user, host] = match!;
    expect(key).toBe(keyFile);
    expect({ port: Number(port), user, host }).toEqual({
      port: session['ssh_port'],
      user: session['ssh_user'],
      host: session['ssh_host'],
    });
    expect(await sshExec({ host: host!, port: Number(port), user: user! }, readFileSync(keyFile, 'utf8'))).toBe('ok');
    if (spawnSync('ssh', ['-V']).status === 0) {
      // the system ssh too, running the pasted command (asynchronously: the SSH server lives in this process)
      const [, ...args] = command.split(' ');
      const opts = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10'];
      const ssh = await exec('ssh', [...opts, ...args, 'echo', 'ok']);
      expect(ssh.stdout.trim(), ssh.stderr).toBe('ok');
    }

    // done: the teardown runs to the end, the instance is destroyed at the provider
    const done = await bin(['sessions', 'done', sessionId, '--wait', '--poll-interval', '200']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`session ${sessionId}: teardown started`);
    expect(done.stdout).toContain(`session ${sessionId} is stopped (consumer_done)`);
    const instances = h.runtime.sims.vastai!.instances().filter((i) => i.label?.includes(sessionId));
    expect(instances).toHaveLength(1);
    expect(instances[0]!.gone).toBe('destroyed');

    // costs: the session was usable, so it is billed and not refunded
    const costs = await bin(['costs', '--session', sessionId, '-o', 'json']);
    expect(costs.code, costs.stderr).toBe(0);
    const report = JSON.parse(costs.stdout) as { total_cost: number; refund_count: number; breakdown: { open: boolean }[] };
    expect(report.total_cost).toBeGreaterThan(0);
    expect(report.refund_count).toBe(0);
    expect(report.breakdown.map((b) => b.open)).toEqual([false]);
    const table = await bin(['costs', '--session', sessionId]);
    expect(table.stdout).toMatch(new RegExp(`session ${sessionId} \\(cli-alice\\): \\$\\d+\\.\\d{4} for`));
    const summary = await bin(['costs', '--consumer', 'cli-alice', '-o', 'json']);
    expect(JSON.parse(summary.stdout)).toMatchObject({ consumer_id: 'cli-alice', session_count: 1 });
    const month = await bin(['costs', 'summary', '-c', 'cli-alice', '-o', 'json']);
    expect(JSON.parse(month.stdout)).toMatchObject({ consumer_id: 'cli-alice', session_count: 1, refunded_total: 0 });

    const list = await bin(['sessions', 'list', '--consumer', 'cli-alice']);
    expect(list.stdout).toMatch(new RegExp(`^${sessionId}\\s+stopped\\s+stopped\\s+cli-alice\\s+vastai\\s+RTX 4090`, 'm'));
  });

  it('bad input and an unknown session: one line, the API error type and request id, exit code 1', async () => {
    expectOneLineError(await bin(['provision', '--offer', 'vastai-1', '-c', 'x', '--hours', '0']), /^error: invalid_argument: .*--hours.* must be a whole number from 1 to 12$/);
    expectOneLineError(await bin(['provision', '-c', 'x']), /^error: invalid_usage: give --offer <id>, or --gpu <type>/);
    expectOneLineError(await bin(['inventory', '--min-vram', 'lots']), /^error: invalid_argument: option '--min-vram <gb>' argument 'lots' is invalid/);
    expectOneLineError(await bin(['sessions', 'frobnicate']), /^error: invalid_usage: unknown command 'frobnicate'/);
    expectOneLineError(
      await bin(['sessions', 'get', '0b6f5f7e-1d1c-4a51-9b59-2f1f4b9a0c11']),
      /^error: not_found: session 0b6f5f7e-1d1c-4a51-9b59-2f1f4b9a0c11 not found \(request id [\w-]+\)$/,
    );
    expectOneLineError(await bin(['sessions', 'done', 'no-such-session']), /^error: not_found: session no-such-session not found \(request id [\w-]+\)$/);
    // the API's own validation, passed through with its type and request id
    expectOneLineError(
      await bin(['provision', '--offer', 'vastai-does-not-exist', '-c', 'cli-bob']),
      /^error: invalid_offer_id: offer_id is not an offer id .+ \(request id [\w-]+\)$/,
    );
    expectOneLineError(
      await bin(['provision', '--offer', 'vastai-99999999', '-c', 'cli-bob']),
      /^error: stale_inventory: offer vastai-99999999 is not in current inventory \(request id [\w-]+\)$/,
    );
    expectOneLineError(await bin(['inventory'], { GPU_SHOPPER_URL: 'not a url' }), /^error: invalid_argument: server URL "not a url" is not a URL/);
  });

  it('refuses to write the one-time key over an existing file, before anything is rented', async () => {
    const existing = path.join(workDir, 'existing.key');
    writeFileSync(existing, 'something precious');
    const run = await cli(['provision', '--gpu', 'RTX 5060 Ti', '-c', 'cli-carol', '--save-key', existing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: invalid_argument: .*existing\.key already exists/);
    const { body } = await h.api<{ count: number }>('GET', '/api/v1/sessions?consumer_id=cli-carol');
    expect(body.count).toBe(0);

    // without --save-key the key goes to ./gpu-shopper-<id>.key (here: the process's working directory)
    const cwd = process.cwd();
    process.chdir(workDir);
    try {
      const created = await cli(['provision', '--gpu', 'RTX 5060 Ti', '-c', 'cli-carol', '-o', 'json']);
      expect(created.code, created.stderr).toBe(0);
      const answer = JSON.parse(created.stdout) as { session: { id: string }; ssh_private_key_file: string; ssh_private_key?: string };
      expect(answer.ssh_private_key).toBeUndefined();
      expect(answer.ssh_private_key_file).toBe(path.join(workDir, `gpu-shopper-${answer.session.id}.key`));
      expect(existsSync(answer.ssh_private_key_file)).toBe(true);
      expect(statSync(answer.ssh_private_key_file).mode & 0o777).toBe(0o600);
      const ended = await cli(['sessions', 'delete', answer.session.id, '--wait', '--poll-interval', '200', '-o', 'json']);
      expect(ended.code, ended.stderr).toBe(0);
      expect(JSON.parse(ended.stdout)).toMatchObject({ id: answer.session.id, status: 'stopped', ended_reason: 'deleted' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('provision --wait on an instance whose SSH never answers: progress, then the failure and its reason, exit code 1', async () => {
    const run = await cli([
      'provision',
      '--gpu',
      'RTX 3090',
      '-c',
      'cli-dave',
      '--no-auto-retry',
      '--save-key',
      path.join(workDir, 'dave.key'),
      '--wait',
      '--poll-interval',
      '200',
    ]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^error: ssh_timeout: SSH was not reachable .* \(\d+ probes, last: no_banner\)$/);
    expect(run.stderr).toMatch(/ssh probe \d+ of attempt 1: no_banner at banner/);
    expect(run.stderr).toMatch(/attempt 1 failed: ssh_timeout/);
    expect(run.stderr).toMatch(/instance \S+ destroyed \(confirmed\)/);
    expect(run.stderr).toMatch(/refund of \$\d+\.\d{4} recorded for attempt 1 \(ssh_timeout\)/);
    expect(run.stdout).toBe('');

    // the operator's view of the same failure
    const health = await cli(['offer-health', '--gpu', 'RTX 3090', '-o', 'json']);
    const answer = JSON.parse(health.stdout) as { offers: { recent_failures: number; last_failure_type: string }[] };
    expect(answer.offers).toHaveLength(1);
    expect(answer.offers[0]).toMatchObject({ recent_failures: 1, last_failure_type: 'ssh_timeout' });
    const table = await cli(['offer-health']);
    expect(table.stdout).toMatch(/^vastai-\d+\s+vastai\s+RTX 3090\s+1\s+0\.70\s+no\s+.*ssh_timeout/m);
  });

  it('cleanup-orphans runs the operator command: a dry run lists this deployment\'s unowned instance, --execute destroys it', async () => {
    // an instance of this deployment that no session owns: made behind the broker's back
    const client = vastClient(h.runtime.sims.vastai!);
    const offer = (await client.listOffers()).find((o) => o.gpu_type === 'RTX 5060 Ti')!;
    const label = formatLabel({ deploymentId: 'test-deployment', sessionId: randomUUID(), attempt: 1 });
    const { instance_id: orphan } = await client.createInstance({ offer, label, disk_gb: 20, ssh_public_keys: [keyPair().public] });
    const live = () => h.runtime.sims.vastai!.instances().find((i) => i.id === orphan)!.gone === null;

    const dry = await bin(['cleanup-orphans', '--data-dir', h.runtime.dataDir, '-o', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    const listed = JSON.parse(dry.stdout) as CleanupResult;
    expect(listed).toMatchObject({ deployment_id: 'test-deployment', executed: false, listing_failures: [] });
    expect(listed.orphans.find((o) => o.instance_id === orphan)).toMatchObject({ label, action: 'listed', reason: 'no_session' });
    expect(live()).toBe(true);

    const table = await bin(['cleanup-orphans', '--data-dir', h.runtime.dataDir]);
    expect(table.stdout).toMatch(/^deployment test-deployment: \d+ instances? no active session owns .*dry run, nothing destroyed/m);
    expect(table.stdout).toContain(label);

    const executed = await bin(['cleanup-orphans', '--data-dir', h.runtime.dataDir, '--execute', '--min-age-seconds', '0', '-o', 'json']);
    expect(executed.code, executed.stderr).toBe(0);
    expect((JSON.parse(executed.stdout) as CleanupResult).orphans.find((o) => o.instance_id === orphan)?.action).toBe('destroyed');
    expect(live()).toBe(false);

    expectOneLineError(
      await bin(['cleanup-orphans', '--data-dir', path.join(workDir, 'no-runtime-here')]),
      // the operator command's own reason, whatever its wording, as one line
      /^error: cleanup_failed: .*no-runtime-here.*local runtime/,
    );
  });
});
