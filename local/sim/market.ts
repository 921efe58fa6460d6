// The provider-neutral core of a simulated marketplace: its offers, the instances of its one account, their
// timeline (created → loading → running → stopped/gone), their SSH servers, and the state kept on disk so that
// a restart finds every instance again.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../free-port.ts';
import { between, seededRandom } from './random.ts';
import type { SimOffer } from './scenario.ts';
import type { SimMachine } from './shell.ts';
import { isUsableHostKey, newHostKey, type SshListenMode, SimSshHost } from './ssh-host.ts';
import { SimWorkloadServer, type WorkloadServerMode } from './workload-server.ts';

type SimProviderName = 'vastai' | 'tensordock';

interface SimKey {
  id: number;
  /** the account on the instance the key opens: Vast `root`; TensorDock `root` and/or `user` */
  user: string;
  key: string;
  created_at: number;
}

export interface SimInstance {
  id: string;
  label: string;
  /** the offer it was rented from (a snapshot: the scenario may change across restarts) */
  offer: SimOffer;
  created_at: number;
  /** Vast: actual_status null until here, then loading */
  loading_at: number;
  /** SSH (as the scenario says) from here on */
  ready_at: number;
  /** TensorDock: ipAddress "" until here */
  ip_at: number;
  stop_at?: number;
  vanish_at?: number;
  /** stopped through the API */
  stopped_at?: number;
  destroyed_at?: number;
  ssh_port: number;
  /** false: the image's entrypoint runs alone and nothing serves SSH (Vast runtype `args`) */
  ssh?: boolean;
  host_key: string;
  keys: SimKey[];
  /** entrypoint instances: published container port → the loopback port its server listens on */
  api_ports?: Record<string, number>;
  /** the model the server says it serves */
  api_model?: string;
  /** the server answers from here on (as the scenario says) */
  api_ready_at?: number;
  /** what the create request asked for, as the provider echoes it back (image, disk, runtype, resources…) */
  details: Record<string, unknown>;
}

export type Phase = 'provisioning' | 'loading' | 'running' | 'stopped' | 'gone';

export interface SimInstanceView {
  provider: SimProviderName;
  id: string;
  label: string;
  offer_id: string;
  gpu: string;
  host: string;
  phase: Phase;
  /** the status the provider API reports */
  status: string;
  gone: 'destroyed' | 'vanished' | null;
  created_at: string;
  ready_at: string;
  destroyed_at: string | null;
  /** when it disappeared by itself (vanish), if it did before being destroyed */
  vanished_at: string | null;
  ssh_mode: string;
  ssh_port: number;
  ssh_listening: boolean;
  keys: number;
  /** published container port → loopback port, for entrypoint instances */
  api_ports: Record<string, number>;
  api_listening: boolean;
  /** what the marketplace bills per hour for this instance as created (disk included); null where not modelled */
  price_per_hour: number | null;
  /** the disk it was created with */
  disk_gb: number | null;
}

interface MarketOptions {
  provider: SimProviderName;
  offers: SimOffer[];
  seed: number;
  /** instances are kept in `<dataDir>/<provider>.json` and restored on start */
  dataDir?: string;
  listingLagSeconds: number;
  /** TensorDock: [min, max] seconds until the instance has an IP */
  ipDelaySeconds?: [number, number];
  /** the provider's own status text for an instance in a phase */
  statusText: (instance: SimInstance, phase: Phase) => string;
  /** USD per hour the provider bills the instance, for the resources (disk included) it was created with */
  billedPerHour?: (instance: SimInstance) => number;
  /** provider state kept beside the instances (account keys, id counters) */
  extra?: () => Record<string, unknown>;
}

interface Persisted {
  version: 1;
  rented: string[];
  instances: SimInstance[];
  extra: Record<string, unknown>;
}

const TICK_MS = 150;
/** gone instances stay visible to inspection this long, then are forgotten */
const FORGET_AFTER_MS = 60 * 60 * 1000;

export class Market {
  readonly provider: SimProviderName;
  private readonly offersByKey = new Map<string, SimOffer>();
  private readonly instancesById = new Map<string, SimInstance>();
  private readonly hosts = new Map<string, SimSshHost>();
  /** per instance, per published container port */
  private readonly servers = new Map<string, Map<string, SimWorkloadServer>>();
  private readonly rented = new Set<string>();
  private readonly random: () => number;
  private ticker?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();
  private storedExtra: Record<string, unknown> = {};
  private closed = false;

  constructor(private readonly options: MarketOptions) {
    this.provider = options.provider;
    for (const offer of options.offers) this.offersByKey.set(offer.key, offer);
    this.random = seededRandom(options.seed ^ (options.provider === 'vastai' ? 0x5a5a : 0x7d7d));
  }

  /** Restores kept instances (their SSH servers come back as their timeline says) and starts the clock. */
  start(): Record<string, unknown> {
    const file = this.file();
    if (file && existsSync(file)) {
      let state: Persisted;
      try {
        state = JSON.parse(readFileSync(file, 'utf8')) as Persisted;
      } catch (err) {
        throw new Error(`simulator state ${file} is unreadable (${(err as Error).message}); move it away to start afresh`);
      }
      for (const key of state.rented ?? []) this.rented.add(key);
      for (const instance of state.instances ?? []) {
        // state written before host keys were checked may hold one of ssh2's malformed keys
        if (!isUsableHostKey(instance.host_key)) instance.host_key = newHostKey();
        this.instancesById.set(instance.id, instance);
        this.scheduleTransitions(instance);
      }
      this.storedExtra = state.extra ?? {};
    }
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
    this.tick();
    return this.storedExtra;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.hosts.values()].map((h) => h.close()));
    this.hosts.clear();
    await Promise.all([...this.servers.values()].flatMap((m) => [...m.values()].map((srv) => srv.close())));
    this.servers.clear();
  }

  // ── offers ────────────────────────────────────────────────────────────────

  /** The offers still listed (not rented away). */
  listedOffers(): SimOffer[] {
    if (this.rented.size === 0) return this.options.offers;
    return this.options.offers.filter((o) => !this.rented.has(o.key));
  }

  /** The offer, if it can be rented now. */
  rentable(key: string): SimOffer | undefined {
    const offer = this.offersByKey.get(key);
    if (!offer || offer.behaviour.unavailable || this.rented.has(key)) return undefined;
    return offer;
  }

  offer(key: string): SimOffer | undefined {
    return this.offersByKey.get(key);
  }

  // ── instances ─────────────────────────────────────────────────────────────

  async create(
    id: string,
    offer: SimOffer,
    init: {
      label: string;
      keys: Omit<SimKey, 'id' | 'created_at'>[];
      details: Record<string, unknown>;
      /** false: no SSH server at all */
      ssh?: boolean;
      /** container ports whose server the image starts (entrypoint instances) */
      apiPorts?: number[];
      apiModel?: string;
    },
  ): Promise<SimInstance> {
    const now = Date.now();
    const boot = between(this.random, offer.behaviour.boot_seconds) * 1000;
    const apiPorts: Record<string, number> = {};
    for (const port of init.apiPorts ?? []) apiPorts[String(port)] = await freePort();
    const ipDelay = this.options.ipDelaySeconds ? between(this.random, this.options.ipDelaySeconds) * 1000 : 0;
    const instance: SimInstance = {
      id,
      label: init.label,
      offer,
      created_at: now,
      loading_at: now + Math.min(1000, boot / 4),
      ready_at: now + Math.max(boot, ipDelay),
      ip_at: now + ipDelay,
      stop_at:
        offer.behaviour.stop_after_seconds !== undefined ? now + offer.behaviour.stop_after_seconds * 1000 : undefined,
      vanish_at:
        offer.behaviour.vanish_after_seconds !== undefined
          ? now + offer.behaviour.vanish_after_seconds * 1000
          : undefined,
      ssh_port: await freePort(),
      ...(init.ssh === false ? { ssh: false } : {}),
      host_key: newHostKey(),
      keys: [],
      details: init.details,
    };
    if (Object.keys(apiPorts).length > 0) {
      instance.api_ports = apiPorts;
      instance.api_model = init.apiModel ?? 'simulated-model';
      instance.api_ready_at = instance.ready_at + between(this.random, offer.behaviour.api_boot_seconds) * 1000;
    }
    for (const key of init.keys) this.addKey(instance, key.user, key.key, false);
    this.instancesById.set(id, instance);
    if (offer.behaviour.vanish_when_rented) this.rented.add(offer.key);
    this.save();
    this.scheduleTransitions(instance);
    this.tick();
    return instance;
  }

  /** A live (not destroyed, not vanished) instance. */
  live(id: string): SimInstance | undefined {
    const instance = this.instancesById.get(id);
    return instance && this.phase(instance) !== 'gone' ? instance : undefined;
  }

  /** Live instances as the account's list endpoints show them: new ones appear only after the listing lag. */
  listed(): SimInstance[] {
    const now = Date.now();
    const lag = this.options.listingLagSeconds * 1000;
    return [...this.instancesById.values()].filter((i) => this.phase(i, now) !== 'gone' && now >= i.created_at + lag);
  }

  phase(instance: SimInstance, now = Date.now()): Phase {
    if (instance.destroyed_at !== undefined && now >= instance.destroyed_at) return 'gone';
    if (instance.vanish_at !== undefined && now >= instance.vanish_at) return 'gone';
    if (instance.stopped_at !== undefined) return 'stopped';
    if (instance.stop_at !== undefined && now >= instance.stop_at) return 'stopped';
    if (now < instance.loading_at) return 'provisioning';
    if (now < instance.ready_at) return 'loading';
    return 'running';
  }

  /** Destroys a live instance; false when there is none. */
  destroy(id: string): boolean {
    const instance = this.live(id);
    if (!instance) return false;
    instance.destroyed_at = Date.now();
    this.save();
    this.tick();
    return true;
  }

  stop(id: string): boolean {
    const instance = this.live(id);
    if (!instance) return false;
    instance.stopped_at ??= Date.now();
    this.save();
    this.tick();
    return true;
  }

  /** Starts a stopped instance again: it boots anew. */
  restart(id: string): boolean {
    const instance = this.live(id);
    if (!instance) return false;
    const now = Date.now();
    const boot = between(this.random, instance.offer.behaviour.boot_seconds) * 1000;
    instance.stopped_at = undefined;
    instance.stop_at = undefined;
    instance.loading_at = now;
    instance.ready_at = now + boot;
    if (instance.api_ready_at !== undefined) {
      instance.api_ready_at = instance.ready_at + between(this.random, instance.offer.behaviour.api_boot_seconds) * 1000;
    }
    this.save();
    this.scheduleTransitions(instance);
    this.tick();
    return true;
  }

  /** Chaos: the instance disappears now, as Vast instances did mid-run. */
  vanish(id: string): boolean {
    const instance = this.live(id);
    if (!instance) return false;
    instance.vanish_at = Date.now();
    this.save();
    this.tick();
    return true;
  }

  setLabel(instance: SimInstance, label: string): void {
    instance.label = label;
    this.save();
  }

  addKey(instance: SimInstance, user: string, key: string, save = true): SimKey {
    const trimmed = key.trim();
    const body = trimmed.split(/\s+/)[1];
    const existing = instance.keys.find((k) => k.user === user && k.key.split(/\s+/)[1] === body);
    if (existing) return existing;
    const added = {
      id: instance.keys.reduce((m, k) => Math.max(m, k.id), 0) + 1,
      user,
      key: trimmed,
      created_at: Date.now(),
    };
    instance.keys.push(added);
    if (save) this.save();
    return added;
  }

  removeKey(instance: SimInstance, keyId: number): boolean {
    const before = instance.keys.length;
    instance.keys = instance.keys.filter((k) => k.id !== keyId);
    if (instance.keys.length === before) return false;
    this.save();
    return true;
  }

  view(instance: SimInstance): SimInstanceView {
    const now = Date.now();
    const phase = this.phase(instance, now);
    const vanished =
      instance.vanish_at !== undefined &&
      instance.vanish_at <= now &&
      (instance.destroyed_at === undefined || instance.vanish_at < instance.destroyed_at);
    const host = this.hosts.get(instance.id);
    return {
      provider: this.provider,
      id: instance.id,
      label: instance.label,
      offer_id: instance.offer.key,
      gpu: instance.offer.gpu,
      host: instance.offer.host,
      phase,
      status: phase === 'gone' ? 'gone' : this.options.statusText(instance, phase),
      gone:
        phase !== 'gone'
          ? null
          : instance.destroyed_at !== undefined && instance.destroyed_at <= Date.now()
            ? 'destroyed'
            : 'vanished',
      created_at: new Date(instance.created_at).toISOString(),
      ready_at: new Date(instance.ready_at).toISOString(),
      destroyed_at: instance.destroyed_at !== undefined ? new Date(instance.destroyed_at).toISOString() : null,
      vanished_at: vanished ? new Date(instance.vanish_at!).toISOString() : null,
      ssh_mode: instance.ssh === false ? 'none' : instance.offer.behaviour.ssh,
      ssh_port: instance.ssh_port,
      ssh_listening: host?.listening ?? false,
      keys: instance.keys.length,
      api_ports: { ...instance.api_ports },
      api_listening: [...(this.servers.get(instance.id)?.values() ?? [])].some((srv) => srv.listening),
      price_per_hour: this.options.billedPerHour?.(instance) ?? null,
      disk_gb: typeof instance.details['disk_gb'] === 'number' ? instance.details['disk_gb'] : null,
    };
  }

  /** Every instance this marketplace ever made, live or not (for tests and chaos checks). */
  instances(): SimInstanceView[] {
    return [...this.instancesById.values()].map((i) => this.view(i));
  }

  machine(instance: SimInstance): SimMachine {
    const offer = instance.offer;
    const gpuName =
      this.provider === 'vastai' ? vastSmiName(offer.gpu) : offer.gpu.replace(/\s+(PCIe\s+)?\d+\s*GB$/i, '');
    return {
      hostname: `${this.provider === 'vastai' ? 'C' : 'td'}.${instance.id}`.slice(0, 40),
      gpuName,
      gpuCount: offer.gpu_count,
      vramMiB: Math.round(offer.vram_gb * 1024 * 0.9995),
      diskGb: Number(instance.details['disk_gb'] ?? 50),
      cudaVersion: offer.cuda,
      gpuUtil: offer.behaviour.gpu_util,
      logins: offer.behaviour.ssh_logins,
      seed: this.options.seed,
    };
  }

  /** Writes the state file (atomically), when there is a data directory. */
  save(): void {
    this.forgetOldGone();
    const file = this.file();
    if (!file || this.closed) return;
    const state: Persisted = {
      version: 1,
      rented: [...this.rented],
      instances: [...this.instancesById.values()],
      extra: this.options.extra?.() ?? {},
    };
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // instances carry the consumers' commands and the session public keys: the owner's alone
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** SSH follows the timeline to the moment (the periodic tick is only a safety net). */
  private scheduleTransitions(instance: SimInstance): void {
    const now = Date.now();
    for (const at of [instance.ready_at, instance.api_ready_at, instance.stop_at, instance.vanish_at]) {
      if (at === undefined || at <= now) continue;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.tick();
      }, at - now);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Brings every SSH server in line with its instance's timeline. */
  private tick(): void {
    if (this.closed) return;
    const now = Date.now();
    for (const instance of this.instancesById.values()) {
      const phase = this.phase(instance, now);
      this.tickServers(instance, phase, now);
      const mode: SshListenMode =
        phase === 'running' && instance.ssh !== false && instance.offer.behaviour.ssh !== 'refused'
          ? instance.offer.behaviour.ssh
          : 'off';
      let host = this.hosts.get(instance.id);
      if (!host) {
        if (mode === 'off') continue;
        host = new SimSshHost({
          hostKey: instance.host_key,
          port: instance.ssh_port,
          authorizedKeys: (user) => instance.keys.filter((k) => k.user === user).map((k) => k.key),
          machine: this.machine(instance),
          onPort: (port) => {
            instance.ssh_port = port;
            this.save();
          },
        });
        this.hosts.set(instance.id, host);
      }
      void host.setMode(mode);
      if (phase === 'gone' && mode === 'off') this.hosts.delete(instance.id);
    }
  }

  /** The entrypoint server follows the instance: up (as the scenario says) once running and loaded, else off. */
  private tickServers(instance: SimInstance, phase: Phase, now: number): void {
    if (!instance.api_ports) return;
    const behaviour = instance.offer.behaviour.api;
    const up = phase === 'running' && now >= (instance.api_ready_at ?? 0) && behaviour !== 'never';
    const mode: WorkloadServerMode = !up ? 'off' : behaviour === 'unhealthy' ? 'unhealthy' : 'ok';
    let servers = this.servers.get(instance.id);
    if (!servers) {
      if (mode === 'off') return;
      servers = new Map();
      this.servers.set(instance.id, servers);
    }
    for (const [containerPort, hostPort] of Object.entries(instance.api_ports)) {
      let server = servers.get(containerPort);
      if (!server) {
        server = new SimWorkloadServer({
          port: hostPort,
          model: instance.api_model ?? 'simulated-model',
          onPort: (port) => {
            instance.api_ports![containerPort] = port;
            this.save();
          },
        });
        servers.set(containerPort, server);
      }
      void server.setMode(mode);
    }
    if (phase === 'gone' && mode === 'off') this.servers.delete(instance.id);
  }

  private forgetOldGone(): void {
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const [id, instance] of this.instancesById) {
      const goneAt = Math.min(
        instance.destroyed_at ?? Number.POSITIVE_INFINITY,
        instance.vanish_at ?? Number.POSITIVE_INFINITY,
      );
      if (goneAt < cutoff) this.instancesById.delete(id);
    }
  }

  private file(): string | undefined {
    return this.options.dataDir ? path.join(this.options.dataDir, `${this.provider}.json`) : undefined;
  }
}

/** What nvidia-smi calls the GPUs Vast names "RTX 4090", "A100 SXM4", "H100 SXM". */
function vastSmiName(gpu: string): string {
  if (/^(RTX|GTX)\s*\d/i.test(gpu)) return `NVIDIA GeForce ${gpu}`;
  return `NVIDIA ${gpu}`;
}
