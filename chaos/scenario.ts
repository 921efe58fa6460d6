// The market a chaos run rents from, and the accelerated timings it runs the product with. Faults come from three
// places: the marketplaces (API faults and instance behaviours below), the local runtime (random task crashes), and
// the run itself (a restart, and bursts of concurrent ends and extends).
import type { ScenarioInput } from '../local/sim/scenario.ts';

export interface ChaosSettings {
  /** seconds a reserved hour lasts (RESERVATION_HOUR_SECONDS) */
  hourSeconds: number;
  hardMaxHours: number;
  crashRate: number;
  /** share of sessions whose StopProvisioning and CloseSession fail for good in their first teardown run */
  failTasksShare: number;
  /** chance that a running teardown execution is stopped (ABORTED) */
  abortTeardownRate: number;
  sweepSeconds: number;
  reconcileSeconds: number;
  orphanGraceSeconds: number;
  /** every Retry pause of the state machines (LOCAL_RETRY_INTERVAL_MS) */
  retryIntervalMs: number;
  /** one round of SSH probes between the state machine's waits */
  verifyRoundSeconds: number;
  /** how long a create whose answer was lost is looked for by its label (CREATE_LIST_LAG_SECONDS) */
  createListLagSeconds: number;
  /** provider API faults, per request */
  rateLimitProbability: number;
  serverErrorProbability: number;
  lostCreateProbability: number;
}

export const DEFAULT_SETTINGS: ChaosSettings = {
  hourSeconds: 20,
  hardMaxHours: 3,
  crashRate: 0.05,
  failTasksShare: 0.25,
  abortTeardownRate: 0.15,
  sweepSeconds: 2,
  reconcileSeconds: 4,
  orphanGraceSeconds: 8,
  retryIntervalMs: 1000,
  verifyRoundSeconds: 3,
  // longer than a create call and the marketplaces' listing lag together, even on a busy machine; shorter than the
  // in-doubt create's retries (12 × retryIntervalMs)
  createListLagSeconds: 10,
  rateLimitProbability: 0.03,
  serverErrorProbability: 0.03,
  lostCreateProbability: 0.08,
};

/** Instance lifetimes the checks compare costs with are measured in the marketplaces' own clocks. */
export function chaosScenario(s: ChaosSettings, seed: number): ScenarioInput {
  const apiFaults = {
    rate_limit_probability: s.rateLimitProbability,
    server_error_probability: s.serverErrorProbability,
    lost_create_response_probability: s.lostCreateProbability,
    listing_lag_seconds: 1.5,
  };
  return {
    seed,
    vastai: {
      ...apiFaults,
      listing_latency_seconds: [0, 1],
      defaults: { boot_seconds: [1, 4] },
      hosts: {
        'chaos-ssh-never': { ssh: 'never' },
        'chaos-ssh-refused': { ssh: 'refused' },
        'chaos-ssh-close-early': { ssh: 'close_early' },
        'chaos-ssh-reject-auth': { ssh: 'reject_auth' },
        'chaos-stops': { boot_seconds: 10, stop_after_seconds: 3 },
        'chaos-vanishes-booting': { boot_seconds: 10, vanish_after_seconds: 4 },
        'chaos-vanishes-running': { vanish_after_seconds: 12 },
      },
      offers: [
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.35, location: 'California, US', count: 24 },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.31, location: 'Texas, US', count: 3, host: 'chaos-ssh-never' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.32, location: 'Ohio, US', count: 2, host: 'chaos-ssh-refused' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.33, location: 'Oregon, US', count: 2, host: 'chaos-ssh-close-early' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.34, location: 'Nevada, US', count: 2, host: 'chaos-ssh-reject-auth' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Utah, US', count: 2, host: 'chaos-stops' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.29, location: 'Idaho, US', count: 2, host: 'chaos-vanishes-booting' },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.28, location: 'Quebec, CA', count: 2, unavailable: true },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.36, location: 'Bavaria, DE', count: 4, vanish_when_rented: true },
        { gpu: 'RTX 3090', vram_gb: 24, price: 0.18, location: 'Virginia, US', count: 10 },
        { gpu: 'RTX 3090', vram_gb: 24, price: 0.17, location: 'Georgia, US', count: 3, host: 'chaos-vanishes-running' },
      ],
    },
    tensordock: {
      ...apiFaults,
      listing_latency_seconds: [0.5, 2],
      ip_delay_seconds: [0.5, 2],
      defaults: { boot_seconds: [1, 4] },
      hosts: {
        'chaos-td-ssh-never': { ssh: 'never' },
        'chaos-td-stops': { boot_seconds: 10, stop_after_seconds: 3 },
      },
      offers: [
        { gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.4, location: 'Chubbuck, Idaho, United States', tier: 3, count: 10 },
        {
          gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
          vram_gb: 24,
          price: 0.38,
          location: 'Joplin, Missouri, United States',
          count: 2,
          host: 'chaos-td-ssh-never',
        },
        { gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.37, location: 'Manassas, Virginia, United States', count: 2, unavailable: true },
        { gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.42, location: 'Orlando, Florida, United States', count: 3, vanish_when_rented: true },
        { gpu: 'NVIDIA H100 SXM5 80GB', vram_gb: 80, price: 2.2, location: 'Dallas, Texas, United States', count: 4 },
        { gpu: 'NVIDIA H100 SXM5 80GB', vram_gb: 80, price: 2.1, location: 'Phoenix, Arizona, United States', count: 1, host: 'chaos-td-stops' },
      ],
    },
  };
}

/** The product's settings for an accelerated run: short deadlines, schedules and grace periods, fast retries. */
export function chaosEnv(s: ChaosSettings): Record<string, string> {
  return {
    // local-only knobs (README "Chaos runs")
    LOCAL_FAULT_CRASH_RATE: String(s.crashRate),
    LOCAL_FAULT_FAIL_TASKS: s.failTasksShare > 0 ? 'StopProvisioning,CloseSession' : '',
    LOCAL_FAULT_FAIL_TASKS_SHARE: String(s.failTasksShare),
    LOCAL_FAULT_ABORT_TEARDOWNS: String(s.abortTeardownRate),
    LOCAL_RETRY_INTERVAL_MS: String(s.retryIntervalMs),
    RESERVATION_HOUR_SECONDS: String(s.hourSeconds),
    // the product's own settings, shortened
    HARD_MAX_HOURS: String(s.hardMaxHours),
    EXPIRY_SWEEP_SECONDS: String(s.sweepSeconds),
    RECONCILE_SECONDS: String(s.reconcileSeconds),
    ORPHAN_GRACE_SECONDS: String(s.orphanGraceSeconds),
    INVENTORY_REFRESH_SECONDS: '5',
    INVENTORY_PROVIDER_TIMEOUT_SECONDS: '10',
    SSH_DEADLINE_SECONDS: '8',
    SSH_PROBE_INTERVAL_MS: '500',
    SSH_PROBE_TIMEOUT_MS: '1000',
    SSH_LOGIN_TIMEOUT_MS: '3000',
    PROVIDER_CHECK_INTERVAL_MS: '1000',
    VERIFY_ROUND_SECONDS: String(s.verifyRoundSeconds),
    CREATE_LIST_LAG_SECONDS: String(s.createListLagSeconds),
    AUTH_REJECTION_WINDOW_SECONDS: '2',
    // the documented provider limits, enforced by the simulated marketplaces and kept by the shared pacing, 100× faster
    SIM_RATE_LIMIT_SCALE: '0.01',
    PROVIDER_PACING_MARGIN_MS: '25',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
}
