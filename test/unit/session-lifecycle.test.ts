// The session lifecycle as a table of (state, event) → state: every transition with its guards, and the README's
// life diagram checked against the changes the table makes (each drawn edge happens, each change is drawn).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/domain/errors.ts';
import { SessionEndedError } from '../../shared/domain/provisioning-errors.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import {
  abandon,
  beginProvisioning,
  beginTeardown,
  close,
  extend,
  failAttempt,
  failProvisioning,
  failTeardown,
  markCreateStarted,
  markDestroyed,
  markExpiryWarned,
  markIdleWarned,
  markRunning,
  recordApiProgress,
  recordIdleSample,
  recordInstance,
  recordSshProgress,
  refundAttempt,
  requireAttempt,
  requireProvisioning,
  restartTeardown,
  retryOn,
  type SessionChange,
  settle,
  skipSsh,
  sshVerified,
  withdrawCreateStart,
} from '../../shared/domain/session-lifecycle.ts';
import type { ApiVerification, Session, SessionPhase, SessionStatus, Verification } from '../../shared/domain/session.ts';
import { offer as makeOffer } from '../support/inventory-fixtures.ts';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const AT = new Date(T0 + 60_000).toISOString();
const HOUR = 3_600_000;
const OFFER: Offer = makeOffer({ id: 'vastai-1', price_per_hour: 0.5, host_id: 'vastai-machine-1' });
const NEXT: Offer & { confidence?: number } = {
  ...makeOffer({ id: 'vastai-2', price_per_hour: 0.8, host_id: 'vastai-machine-2' }),
  confidence: 0.9,
};

function session(status: SessionStatus, phase: SessionPhase, extra: Partial<Session> = {}): Session {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    consumer_id: 'consumer-1',
    status,
    phase,
    requested_offer_id: OFFER.id,
    offer_id: OFFER.id,
    provider: OFFER.provider,
    gpu_type: OFFER.gpu_type,
    gpu_count: OFFER.gpu_count,
    vram_gb: OFFER.vram_gb,
    price_per_hour: OFFER.price_per_hour,
    workload_type: 'ssh',
    reservation_hours: 2,
    created_at: new Date(T0).toISOString(),
    expires_at: new Date(T0 + 2 * HOUR).toISOString(),
    hard_max_at: new Date(T0 + 4 * HOUR).toISOString(),
    auto_retry: true,
    max_retries: 2,
    retry_scope: 'same_gpu',
    retry_count: 0,
    attempts: [
      {
        n: 1,
        offer: OFFER,
        offer_id: OFFER.id,
        provider: OFFER.provider,
        gpu_type: OFFER.gpu_type,
        host_id: OFFER.host_id,
        price_per_hour: OFFER.price_per_hour,
        started_at: new Date(T0).toISOString(),
        outcome: status === 'running' ? 'running' : 'in_progress',
        ...(phase === 'creating_instance' || status === 'pending' ? {} : { instance_id: 'i-1', instance_created_at: AT }),
        ...(phase === 'destroying' || phase === 'refunding' ? { outcome: 'failed' as const, error_type: 'ssh_timeout' as const } : {}),
      },
    ],
    failed_offers: [],
    failed_hosts: [],
    hold_usd: 1,
    hold_month: '2026-12',
    version: 3,
    ...extra,
  };
}

const verification: Verification = {
  started_at: AT,
  deadline_at: new Date(T0 + 11 * 60_000).toISOString(),
  base_deadline_at: new Date(T0 + 11 * 60_000).toISOString(),
  deadline_source: 'default',
  attempts: 0,
  consecutive_auth_rejections: 0,
};
const apiVerification: ApiVerification = {
  attempt: 1,
  started_at: AT,
  deadline_at: new Date(T0 + 11 * 60_000).toISOString(),
  base_deadline_at: new Date(T0 + 11 * 60_000).toISOString(),
  deadline_source: 'default',
  attempts: 0,
};
const sshEndpoint = { host: '10.0.0.1', port: 22, user: 'root' };
const teardown = (reason: Session['ended_reason'] & string) => ({ reason, at: AT, executionArn: 'arn:teardown' });

interface Row {
  name: string;
  from: Session;
  event: (s: Session) => SessionChange;
  /** the state after, or refused (the guard left the session as it was) */
  to: [SessionStatus, SessionPhase] | 'refused';
  /** what else the session holds after it */
  holds?: Partial<Session>;
}

const provisioning = (phase: SessionPhase, extra?: Partial<Session>) => session('provisioning', phase, extra);

const ROWS: Row[] = [
  // provisioning
  { name: 'BeginProvisioning starts a pending session', from: session('pending', 'queued'), event: beginProvisioning, to: ['provisioning', 'creating_instance'] },
  { name: 'BeginProvisioning again leaves it', from: provisioning('creating_instance'), event: beginProvisioning, to: 'refused' },
  { name: 'BeginProvisioning does not revive an ended session', from: session('stopping', 'stopping'), event: beginProvisioning, to: 'refused' },
  {
    name: 'the create call is marked before it is made',
    from: provisioning('creating_instance'),
    event: (s) => markCreateStarted(s, 1, AT),
    to: ['provisioning', 'creating_instance'],
  },
  { name: 'no create is started for an ending session', from: session('stopping', 'stopping'), event: (s) => markCreateStarted(s, 1, AT), to: 'refused' },
  {
    name: 'a recorded instance starts SSH verification',
    from: provisioning('creating_instance'),
    event: (s) => recordInstance(s, 1, { id: 'i-1', created_at: AT }, verification),
    to: ['provisioning', 'verifying_ssh'],
    holds: { verification },
  },
  {
    name: 'an instance created for an ending session is still recorded, for its teardown',
    from: session('stopping', 'stopping', { attempts: [{ ...session('provisioning', 'creating_instance').attempts[0]! }] }),
    event: (s) => recordInstance(s, 1, { id: 'i-1', created_at: AT }, verification),
    to: ['stopping', 'stopping'],
  },
  {
    name: 'an attempt names one instance',
    from: provisioning('verifying_ssh'),
    event: (s) => recordInstance(s, 1, { id: 'i-2', created_at: AT }, verification),
    to: 'refused',
  },
  {
    name: 'a probe round records its progress',
    from: provisioning('verifying_ssh', { verification }),
    event: (s) => recordSshProgress(s, { ...verification, attempts: 7, last_provider_status: 'loading' }),
    to: ['provisioning', 'verifying_ssh'],
    holds: { last_provider_status: 'loading' },
  },
  { name: 'a probe round of an ended session writes nothing', from: session('stopping', 'stopping'), event: (s) => recordSshProgress(s, verification), to: 'refused' },
  {
    name: 'verified SSH hands over to an entrypoint server',
    from: provisioning('verifying_ssh'),
    event: (s) => sshVerified(s, { ssh: sshEndpoint, host_key_fingerprint: 'SHA256:h', verification }, apiVerification),
    to: ['provisioning', 'verifying_api'],
    holds: { ssh: sshEndpoint, api_verification: apiVerification },
  },
  {
    name: 'an image without SSH goes straight to its server',
    from: provisioning('verifying_ssh'),
    event: (s) => skipSsh(s, apiVerification),
    to: ['provisioning', 'verifying_api'],
  },
  {
    name: 'skipping SSH twice starts the API phase once',
    from: provisioning('verifying_api', { api_verification: apiVerification }),
    event: (s) => skipSsh(s, { ...apiVerification, started_at: new Date(T0 + HOUR).toISOString() }),
    to: 'refused',
  },
  {
    name: 'an API probe round records its progress',
    from: provisioning('verifying_api', { api_verification: apiVerification }),
    event: (s) => recordApiProgress(s, { ...apiVerification, attempts: 3 }),
    to: ['provisioning', 'verifying_api'],
  },
  {
    name: "an API round of another attempt's phase writes nothing",
    from: provisioning('verifying_api', { api_verification: { ...apiVerification, attempt: 2 } }),
    event: (s) => recordApiProgress(s, apiVerification),
    to: 'refused',
  },
  {
    name: 'verified SSH makes the session running',
    from: provisioning('verifying_ssh'),
    event: (s) => markRunning(s, 1, { ssh: sshEndpoint }),
    to: ['running', 'ready'],
    holds: { ssh: sshEndpoint },
  },
  {
    name: 'an answering server makes the session running',
    from: provisioning('verifying_api'),
    event: (s) => markRunning(s, 1, { api_verification: apiVerification }),
    to: ['running', 'ready'],
  },
  { name: 'an ended session does not become running', from: session('stopping', 'stopping'), event: (s) => markRunning(s, 1, {}), to: 'refused' },
  ...(['creating_instance', 'verifying_ssh', 'verifying_api'] as const).map(
    (phase): Row => ({
      name: `a failure while ${phase} destroys the instance`,
      from: provisioning(phase),
      event: (s) => failAttempt(s, 1, { type: 'provider_error', message: 'boom' }),
      to: ['provisioning', 'destroying'],
    }),
  ),
  {
    name: 'an attempt of an ending session fails without a provisioning phase',
    from: session('stopping', 'stopping', { attempts: [{ ...session('provisioning', 'verifying_ssh').attempts[0]! }] }),
    event: (s) => failAttempt(s, 1, { type: 'ssh_timeout', message: 'late' }),
    to: ['stopping', 'stopping'],
  },
  {
    name: 'an attempt fails once',
    from: provisioning('destroying'),
    event: (s) => failAttempt(s, 1, { type: 'provider_error', message: 'again' }),
    to: 'refused',
  },
  { name: 'an unknown attempt does not fail', from: provisioning('verifying_ssh'), event: (s) => failAttempt(s, 9, { type: 'provider_error', message: 'x' }), to: 'refused' },
  { name: 'a confirmed destroy is recorded', from: provisioning('destroying'), event: (s) => markDestroyed(s, 1, AT), to: ['provisioning', 'destroying'] },
  {
    name: 'the destroyed attempt is refunded and its offer and host avoided',
    from: provisioning('destroying'),
    event: (s) => refundAttempt(s, s.attempts[0]!),
    to: ['provisioning', 'refunding'],
    holds: { failed_offers: [OFFER.id], failed_hosts: [OFFER.host_id!] },
  },
  {
    name: 'a comparable offer continues the session as the next attempt',
    from: provisioning('refunding', { ssh: sshEndpoint, verification }),
    event: (s) => retryOn(s, NEXT, 2, new Date(T0 + HOUR)),
    to: ['provisioning', 'creating_instance'],
    holds: { retry_count: 1, offer_id: NEXT.id, price_per_hour: NEXT.price_per_hour, ssh: undefined, verification: undefined, hold_usd: 1.6 },
  },
  { name: 'a retry is made once', from: provisioning('refunding'), event: (s) => retryOn(s, NEXT, 1, new Date(T0)), to: 'refused' },
  { name: 'an ending session is not retried', from: session('stopping', 'stopping'), event: (s) => retryOn(s, NEXT, 2, new Date(T0)), to: 'refused' },
  {
    name: 'no retry left fails the session with the attempt’s error',
    from: provisioning('refunding'),
    event: (s) => failProvisioning(s, AT),
    to: ['failed', 'failed'],
    holds: { error_type: 'ssh_timeout', ended_reason: 'provisioning_failed', stopped_at: AT, retry_suggested: true },
  },
  {
    name: 'a provisioning that failed before it began fails the pending session',
    from: session('pending', 'queued'),
    event: (s) => failProvisioning(s, AT, { failure_type: 'destroy_failed' }),
    to: ['failed', 'failed'],
    holds: { error_type: 'destroy_failed', retry_suggested: false },
  },
  { name: 'a running session does not fail its provisioning', from: session('running', 'ready'), event: (s) => failProvisioning(s, AT), to: 'refused' },
  {
    name: 'an execution that never started abandons the session, its hold settled at 0',
    from: session('pending', 'queued'),
    event: (s) => abandon(s, AT),
    to: ['failed', 'failed'],
    holds: { hold_usd: 0, settled_usd: 0, hold_settled_at: AT },
  },
  { name: 'a started session is not abandoned', from: provisioning('creating_instance'), event: (s) => abandon(s, AT), to: 'refused' },
  // the end
  ...([session('pending', 'queued'), provisioning('verifying_ssh'), session('running', 'ready')] as const).map(
    (from): Row => ({
      name: `DELETE ends a ${from.status} session`,
      from,
      event: (s) => beginTeardown(s, teardown('deleted')),
      to: ['stopping', 'stopping'],
      holds: { ended_reason: 'deleted', teardown_requested_at: AT, teardown_execution_arn: 'arn:teardown' },
    }),
  ),
  {
    name: 'a vanished instance ends the session with its failure',
    from: session('running', 'ready'),
    event: (s) => beginTeardown(s, { ...teardown('ghost'), failure: { error_type: 'instance_vanished', error: 'gone' } }),
    to: ['stopping', 'stopping'],
    holds: { error_type: 'instance_vanished', retry_suggested: true },
  },
  {
    name: 'expiry waits for an extended expires_at',
    from: session('running', 'ready'),
    event: (s) => beginTeardown(s, teardown('expired')),
    to: 'refused',
  },
  {
    name: 'the hard maximum ends the session once it has passed',
    from: session('running', 'ready', { hard_max_at: AT }),
    event: (s) => beginTeardown(s, teardown('hard_max')),
    to: ['stopping', 'stopping'],
  },
  { name: 'a session ends once', from: session('stopping', 'stopping'), event: (s) => beginTeardown(s, teardown('deleted')), to: 'refused' },
  { name: 'an ended session does not end again', from: session('stopped', 'stopped'), event: (s) => beginTeardown(s, teardown('deleted')), to: 'refused' },
  {
    name: 'a dead teardown is restarted as the next run',
    from: session('stopping', 'stopping'),
    event: (s) => restartTeardown(s, 0, 'arn:teardown-1'),
    to: ['stopping', 'stopping'],
    holds: { teardown_run: 1, teardown_execution_arn: 'arn:teardown-1' },
  },
  { name: 'of concurrent restarts one moves the run', from: session('stopping', 'stopping', { teardown_run: 1 }), event: (s) => restartTeardown(s, 0, 'x'), to: 'refused' },
  {
    name: 'a teardown closes the session stopped',
    from: session('stopping', 'stopping', { ended_reason: 'deleted' }),
    event: (s) => close(s, AT),
    to: ['stopped', 'stopped'],
    holds: { stopped_at: AT },
  },
  {
    name: 'a teardown after a failed provisioning closes it failed',
    from: session('stopping', 'stopping', { ended_reason: 'provisioning_failed' }),
    event: (s) => close(s, AT),
    to: ['failed', 'failed'],
    holds: { error_type: 'provider_error', error: 'provisioning ended without a result' },
  },
  {
    name: 'a session whose instance vanished closes failed',
    from: session('stopping', 'stopping', { ended_reason: 'ghost', error_type: 'instance_vanished' }),
    event: (s) => close(s, AT),
    to: ['failed', 'failed'],
    holds: { error_type: 'instance_vanished' },
  },
  { name: 'only a stopping session closes', from: session('running', 'ready'), event: (s) => close(s, AT), to: 'refused' },
  {
    name: 'a destroy never confirmed fails the teardown',
    from: session('stopping', 'stopping'),
    event: (s) => failTeardown(s, AT),
    to: ['failed', 'failed'],
    holds: { error_type: 'destroy_failed' },
  },
  { name: 'only a stopping session fails its teardown', from: session('stopped', 'stopped'), event: (s) => failTeardown(s, AT), to: 'refused' },
  // the reservation and its notes
  {
    name: 'an extension moves expires_at and grows the hold',
    from: session('running', 'ready'),
    event: (s) => extend(s, 1, HOUR) as SessionChange,
    to: ['running', 'ready'],
    holds: { expires_at: new Date(T0 + 3 * HOUR).toISOString(), reservation_hours: 3, hold_usd: 1.5 },
  },
  { name: 'an idle sample starts the idle stretch', from: session('running', 'ready'), event: (s) => recordIdleSample(s, true, AT), to: ['running', 'ready'], holds: { idle_since: AT } },
  { name: 'the idle stretch starts once', from: session('running', 'ready', { idle_since: AT }), event: (s) => recordIdleSample(s, true, AT), to: 'refused' },
  {
    name: 'a busy sample ends the idle stretch and its warning',
    from: session('running', 'ready', { idle_since: AT, idle_warned_at: AT }),
    event: (s) => recordIdleSample(s, false, AT),
    to: ['running', 'ready'],
    holds: { idle_since: undefined, idle_warned_at: undefined },
  },
  { name: 'a stopping session is not sampled', from: session('stopping', 'stopping'), event: (s) => recordIdleSample(s, true, AT), to: 'refused' },
  { name: 'the idle warning goes out once', from: session('running', 'ready', { idle_warned_at: AT }), event: (s) => markIdleWarned(s, AT), to: 'refused' },
  { name: 'an expiry warning is noted', from: session('running', 'ready'), event: (s) => markExpiryWarned(s, AT), to: ['running', 'ready'], holds: { expiry_warned_for: AT } },
  { name: 'an expiry warning goes out once per end', from: session('running', 'ready', { expiry_warned_for: AT }), event: (s) => markExpiryWarned(s, AT), to: 'refused' },
  {
    name: 'an ended session’s hold gives way to what was billed',
    from: session('stopped', 'stopped'),
    event: (s) => settle(s, 0.25, AT),
    to: ['stopped', 'stopped'],
    holds: { hold_usd: 0, settled_usd: 0.25, hold_settled_at: AT },
  },
  { name: 'a running session is not settled', from: session('running', 'ready'), event: (s) => settle(s, 0.25, AT), to: 'refused' },
  { name: 'a hold is settled once', from: session('failed', 'failed', { hold_settled_at: AT }), event: (s) => settle(s, 0.25, AT), to: 'refused' },
];

/** as the store writes it: the change over the session */
const withChange = (s: Session, change: NonNullable<SessionChange>): Session => ({ ...s, ...change });

describe('session lifecycle: (state, event) → state', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const change = row.event(row.from);
    if (row.to === 'refused') {
      expect(change).toBeUndefined();
      return;
    }
    expect(change).not.toBeUndefined();
    const next = withChange(row.from, change!);
    expect([next.status, next.phase]).toEqual(row.to);
    if (row.holds) expect(next).toMatchObject(row.holds);
    // transitions are pure: the session they were given is untouched
    expect(row.from.version).toBe(3);
  });

  it('lets a provisioning task go on only with a provisioning session and its attempt', () => {
    const s = provisioning('verifying_ssh');
    expect(requireProvisioning(s, s.id)).toBe(s);
    expect(requireAttempt(s, 1)).toBe(s.attempts[0]);
    expect(() => requireProvisioning(session('stopping', 'stopping'), s.id)).toThrow(SessionEndedError);
    expect(() => requireProvisioning(undefined, 'gone')).toThrow('session gone is unknown; provisioning stops');
    expect(() => requireAttempt(s, 2)).toThrow(SessionEndedError);
  });

  it('ends every attempt still in progress when the session fails or closes', () => {
    expect(failProvisioning(session('pending', 'queued'), AT)?.attempts?.map((a) => a.outcome)).toEqual(['ended']);
    expect(close(session('stopping', 'stopping'), AT)?.attempts?.map((a) => a.outcome)).toEqual(['ended']);
  });

  it('marks the attempt, not its neighbours', () => {
    const two = provisioning('refunding');
    const s = withChange(two, retryOn(two, NEXT, 2, new Date(T0 + HOUR))!);
    expect(s.attempts.map((a) => [a.n, a.offer_id, a.outcome])).toEqual([
      [1, OFFER.id, 'failed'],
      [2, NEXT.id, 'in_progress'],
    ]);
    // the snapshot is the offer as inventory listed it, without the ranking's confidence
    expect(s.attempts[1]!.offer).not.toHaveProperty('confidence');
    const running = withChange(s, markRunning(s, 2, {})!);
    expect(running.attempts.map((a) => a.outcome)).toEqual(['failed', 'running']);
    expect(markDestroyed(running, 1, AT)?.attempts?.map((a) => a.destroyed_at)).toEqual([AT, undefined]);
  });

  it('withdraws only the create mark its own call made, and never once an instance is recorded', () => {
    const s = provisioning('creating_instance');
    const marked = withChange(s, markCreateStarted(s, 1, AT)!);
    expect(withdrawCreateStart(marked, 1, new Date(T0 + 1).toISOString())).toBeUndefined();
    expect(withChange(marked, withdrawCreateStart(marked, 1, AT)!).attempts[0]).not.toHaveProperty('create_started_at');
    const recorded = withChange(marked, recordInstance(marked, 1, { id: 'i-1', created_at: AT }, verification)!);
    expect(withdrawCreateStart(recorded, 1, AT)).toBeUndefined();
  });

  it('a withdrawn create keeps the place the pacing kept for it, and the next create uses it up', () => {
    const s = provisioning('creating_instance');
    const marked = withChange(s, markCreateStarted(s, 1, AT)!);
    const slot = new Date(T0 + HOUR).toISOString();
    const queued = withChange(marked, withdrawCreateStart(marked, 1, AT, slot)!);
    expect(queued.attempts[0]).toMatchObject({ create_slot_at: slot });
    expect(queued.attempts[0]).not.toHaveProperty('create_started_at');
    const again = withChange(queued, markCreateStarted(queued, 1, AT)!);
    expect(again.attempts[0]).not.toHaveProperty('create_slot_at');
    expect(again.attempts[0]).toMatchObject({ create_started_at: AT });
  });

  it('keeps the first confirmed destroy time', () => {
    const s = provisioning('destroying');
    const once = withChange(s, markDestroyed(s, 1, AT)!);
    expect(markDestroyed(once, 1, new Date(T0 + HOUR).toISOString())?.attempts?.[0]?.destroyed_at).toBe(AT);
  });

  it('never shrinks the hold on a cheaper retry, nor grows a settled one', () => {
    const cheap = { ...NEXT, price_per_hour: 0.1 };
    expect(retryOn(provisioning('refunding'), cheap, 2, new Date(T0))).not.toHaveProperty('hold_usd');
    expect(retryOn(provisioning('refunding', { hold_settled_at: AT }), NEXT, 2, new Date(T0))).not.toHaveProperty('hold_usd');
  });

  it('refuses an extension of an ended session, or one past the hard maximum, with the error to answer', () => {
    const ended = extend(session('stopped', 'stopped'), 1, HOUR);
    expect(ended).toBeInstanceOf(ConflictError);
    expect(ended).toMatchObject({ errorType: 'invalid_state' });
    const tooLong = extend(session('running', 'ready'), 3, HOUR);
    expect(tooLong).toBeInstanceOf(ValidationError);
    expect(tooLong).toMatchObject({ errorType: 'hard_max_exceeded', details: { max_additional_hours: 2 } });
  });
});

// ── the README's diagram ────────────────────────────────────────────────────────────────────────────────────────

interface Diagram {
  /** status → status */
  statuses: Set<string>;
  /** inside provisioning: the phase it starts in ([*] → phase) */
  entries: Set<string>;
  /** inside provisioning: phase → another phase */
  phases: Set<string>;
  /** inside provisioning: phase → itself */
  loops: Set<string>;
}

function readmeDiagram(): Diagram {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```mermaid\nstateDiagram-v2\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no stateDiagram-v2 block');
  const d: Diagram = { statuses: new Set(), entries: new Set(), phases: new Set(), loops: new Set() };
  let inside: string | undefined;
  for (const line of block.split('\n')) {
    const open = /^\s*state (\w+) \{/.exec(line);
    if (open) inside = open[1];
    if (/^\s*\}/.test(line)) inside = undefined;
    const edge = /^\s*(\[\*\]|\w+) --> (\w+)/.exec(line);
    if (!edge) continue;
    const [, from, to] = edge as unknown as [string, string, string];
    if (inside === undefined) {
      if (from !== '[*]') d.statuses.add(`${from} --> ${to}`);
    } else if (inside !== 'provisioning') {
      throw new Error(`the diagram nests phases in ${inside}; this test reads only provisioning's`);
    } else if (from === '[*]') d.entries.add(to);
    else if (from === to) d.loops.add(from);
    else d.phases.add(`${from} --> ${to}`);
  }
  return d;
}

function tableDiagram(): Diagram {
  const d: Diagram = { statuses: new Set(), entries: new Set(), phases: new Set(), loops: new Set() };
  for (const row of ROWS) {
    if (row.to === 'refused') continue;
    const [status, phase] = row.to;
    const from = row.from;
    if (from.status !== status) d.statuses.add(`${from.status} --> ${status}`);
    if (status !== 'provisioning') continue;
    if (from.status !== 'provisioning') d.entries.add(phase);
    else if (from.phase === phase) d.loops.add(phase);
    else d.phases.add(`${from.phase} --> ${phase}`);
  }
  return d;
}

describe("the README's session-life diagram", () => {
  const drawn = readmeDiagram();
  const table = tableDiagram();

  it('draws every status change the lifecycle makes, and no other', () => {
    expect([...drawn.statuses].sort()).toEqual([...table.statuses].sort());
  });

  it('draws every phase change inside provisioning, and no other', () => {
    expect([...drawn.entries].sort()).toEqual([...table.entries].sort());
    expect([...drawn.phases].sort()).toEqual([...table.phases].sort());
  });

  it('draws only rounds that happen (a phase that stays as it is)', () => {
    for (const phase of drawn.loops) expect(table.loops).toContain(phase);
  });
});
