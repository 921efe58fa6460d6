// A simulated Vast.ai (https://console.vast.ai/api/v0): the routes, request and answer shapes, quirks and error
// bodies of the real API (reference/provider-apis.md §1), so the real adapter runs unchanged against it.
// Deliberate differences: SSH hosts are 127.0.0.1 (proxy and direct endpoints are the same loopback server).
import { randomBytes } from 'node:crypto';
import { bearer, delay, json, type Reply, route, type SimRequest, SimHttpServer } from './http-kit.ts';
import { injectedFault, newFaultTally } from './faults.ts';
import { inspectionRoutes } from './inspect.ts';
import { vastEndpoint, vastIdentity, vastRateLimits } from './rate-limits.ts';
import { Market, type Phase, type SimInstance, type SimInstanceView } from './market.ts';
import { between, seededRandom } from './random.ts';
import { type Scenario, type SimOffer, type SimTemplate, scenarioTemplates, vastAiOffers } from './scenario.ts';
import { shellWords } from './shell.ts';
import { isPublicKey } from './ssh-host.ts';

/** $/GB/month, as Vast quotes storage */
const STORAGE_COST = 0.1;
/** `disk_space` every simulated machine offers */
const MACHINE_DISK_GB = 500;
const RESERVED_QUERY_KEYS = new Set(['limit', 'type', 'order', 'allocated_storage', 'disable_bundling', 'select_cols']);
const LIST_FILTER_COLUMNS = new Set(['label', 'actual_status', 'intended_status', 'id', 'gpu_name', 'machine_id']);
const RUNTYPE_TOKENS = new Set([
  'ssh',
  'jupyter',
  'args',
  'ssh_proxy',
  'ssh_direct',
  'ssh_direc',
  'jupyter_proxy',
  'jupyter_direct',
  'jupyter_direc',
]);

export interface SimStartOptions {
  scenario: Scenario;
  dataDir?: string;
  port?: number;
  /** the documented request limits × this are enforced (429 and counted); 0 or absent: not enforced */
  rateLimitScale?: number;
}

interface AccountKey {
  id: number;
  key: string;
  created_at: number;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;
/** dph_total: dph_base plus storage_cost ($/GB-month) for `diskGb`, per hour of a 720-hour month */
const vastHourly = (dphBase: number, diskGb: number) => round(dphBase + (diskGb * STORAGE_COST) / 720);
/** the disk an instance was created with (10 GB, Vast's default, for one stored without it) */
const createdDisk = (instance: SimInstance) => Number(instance.details['disk_gb'] ?? 10);

function invalidArgs(status: number, code: number, msg: string, extra: Json = {}): Reply {
  return json(status, { success: false, error: 'invalid_args', msg: `error ${status}/${code}: ${msg}`, ...extra });
}

export class VastAiSim {
  readonly market: Market;
  /** faults injected since start */
  readonly faults = newFaultTally();
  /** the documented per-endpoint intervals, enforced; what clients sent against them */
  readonly rateLimits: ReturnType<typeof vastRateLimits>;
  readonly apiKey: string;
  url = '';
  private readonly config: Scenario['vastai'];
  private readonly server: SimHttpServer;
  private readonly random: () => number;
  private readonly offerJson = new Map<string, Json>();
  private nextInstanceId = 12_340_000;
  private accountKeys: AccountKey[] = [];
  private readonly templateList: SimTemplate[];
  /** calls to the retired v0 instance listing (the adapter must make none) */
  deprecatedCalls = 0;

  constructor(options: SimStartOptions) {
    this.config = options.scenario.vastai;
    this.templateList = scenarioTemplates(options.scenario);
    this.apiKey = this.config.api_key ?? randomBytes(32).toString('hex');
    this.random = seededRandom(options.scenario.seed + 17);
    this.rateLimits = vastRateLimits(options.rateLimitScale ?? 0);
    this.market = new Market({
      provider: 'vastai',
      offers: vastAiOffers(options.scenario),
      seed: options.scenario.seed,
      dataDir: options.dataDir,
      listingLagSeconds: this.config.listing_lag_seconds,
      statusText: (instance, phase) => this.actualStatus(instance, phase) ?? 'null',
      // Vast bills dph_base plus storage for the disk the instance was created with (not the search's allocation)
      billedPerHour: (instance) => vastHourly(instance.offer.price, createdDisk(instance)),
      extra: () => ({ next_instance_id: this.nextInstanceId, account_keys: this.accountKeys }),
    });
    this.server = new SimHttpServer({
      port: options.port,
      normalize: (p) => (p.startsWith('/api/v0') ? p.slice('/api/v0'.length) || '/' : p),
      before: (req) => this.before(req),
      notFound: () => json(404, { success: false, error: 'not_found', msg: 'Not Found' }),
      routes: [
        ...inspectionRoutes(this.market, () => this.market.listedOffers().map((o) => this.offerBody(o, 8)), this.faults),
        route('GET', /^\/bundles$/, (req) => this.searchOffers(parseQuery(req.query.get('q')))),
        route('POST', /^\/bundles$/, (req) => this.searchOffers(req.body)),
        route('PUT', /^\/search\/asks$/, (req) => this.searchOffers(isRecord(req.body) ? req.body['q'] : undefined)),
        route('PUT', /^\/asks\/([^/]+)$/, (req, [id]) => this.create(id!, req.body)),
        route('POST', /^\/instances\/([^/]+)\/ssh$/, (req, [id]) => this.attachKey(id!, req.body)),
        route('GET', /^\/instances\/([^/]+)\/ssh$/, (_req, [id]) => this.instanceKeys(id!)),
        route('DELETE', /^\/instances\/([^/]+)\/ssh\/([^/]+)$/, (_req, [id, keyId]) => this.detachKey(id!, keyId!)),
        route('GET', /^\/instances\/([^/]+)$/, (_req, [id]) => this.show(id!)),
        route('PUT', /^\/instances\/([^/]+)$/, (req, [id]) => this.manage(id!, req.body)),
        route('DELETE', /^\/instances\/([^/]+)$/, (_req, [id]) => this.destroy(id!)),
        route('GET', /^\/instances$/, () => this.listV0Retired()),
        route('GET', /^\/api\/v1\/instances$/, (req) => this.listV1(req)),
        route('GET', /^\/template$/, (req) => this.templates(req)),
        route('GET', /^\/users\/current$/, () =>
          json(200, {
            id: 424242,
            email: 'simulated@vast.invalid',
            username: 'simulated',
            credit: 100.0,
            ssh_key: this.accountKeys[0]?.key ?? '',
          }),
        ),
        route('POST', /^\/ssh$/, (req) => this.addAccountKey(req.body)),
        route('GET', /^\/ssh$/, () =>
          json(
            200,
            this.accountKeys.map((k) => ({
              id: k.id,
              user_id: 424242,
              key: k.key,
              created_at: iso(k.created_at),
              deleted_at: null,
            })),
          ),
        ),
      ],
    });
  }

  async start(): Promise<this> {
    const extra = this.market.start();
    if (typeof extra['next_instance_id'] === 'number') this.nextInstanceId = extra['next_instance_id'];
    if (Array.isArray(extra['account_keys'])) this.accountKeys = extra['account_keys'] as AccountKey[];
    this.url = `${await this.server.listen()}/api/v0`;
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.market.close();
  }

  instances(): SimInstanceView[] {
    return this.market.instances();
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  private before(req: SimRequest): Reply | undefined {
    if (req.path.startsWith('/_sim/')) return undefined;
    const endpoint = vastEndpoint(req);
    const limited = this.rateLimits.check(endpoint, vastIdentity(endpoint, bearer(req) ?? req.query.get('api_key') ?? undefined));
    if (limited) return limited;
    const fault = injectedFault('vastai', this.config, this.random, this.faults);
    if (fault) return fault;
    const key = bearer(req) ?? req.query.get('api_key') ?? undefined;
    const ok = this.config.api_key ? key === this.config.api_key : Boolean(key);
    if (!ok) return json(401, { success: false, error: 'auth_error', msg: 'Invalid user key' });
    return undefined;
  }

  private instanceId(raw: string): string | Reply {
    return /^\d{1,18}$/.test(raw)
      ? String(Number(raw))
      : invalidArgs(400, 1782, `Invalid instance id ${raw.slice(0, 40)}`);
  }

  // ── offers ────────────────────────────────────────────────────────────────

  private offerBody(offer: SimOffer, allocatedStorage: number): Json {
    let base = this.offerJson.get(offer.key);
    if (!base) {
      const askId = Number(offer.key);
      const mb = Math.round(offer.vram_gb * 1024 * 0.9995);
      base = {
        id: askId,
        ask_contract_id: askId,
        bundle_id: 900_000_000 + askId,
        machine_id: offer.machine_id,
        host_id: 50_000 + (offer.machine_id % 10_000),
        gpu_name: offer.gpu,
        num_gpus: offer.gpu_count,
        gpu_ram: mb,
        gpu_total_ram: mb * offer.gpu_count,
        gpu_frac: 1.0,
        gpu_arch: 'nvidia',
        compute_cap: 890,
        cuda_max_good: offer.cuda,
        driver_version: '570.124.04',
        cpu_name: 'AMD EPYC 7K62 48-Core Processor',
        cpu_cores: 64,
        cpu_cores_effective: 8 * offer.gpu_count,
        cpu_ram: 32_768 * offer.gpu_count,
        disk_space: MACHINE_DISK_GB,
        disk_bw: 1500.0,
        inet_down: 900.0,
        inet_up: 800.0,
        inet_down_cost: 0.003,
        inet_up_cost: 0.003,
        dph_base: offer.price,
        min_bid: round(offer.price * 0.5),
        storage_cost: STORAGE_COST,
        is_bid: false,
        geolocation: offer.location,
        geolocode: 42,
        reliability: offer.reliability,
        reliability2: offer.reliability,
        verified: offer.verified ?? true,
        verification: (offer.verified ?? true) ? 'verified' : 'unverified',
        rentable: true,
        rented: false,
        external: offer.external ?? false,
        static_ip: false,
        public_ipaddr: '127.0.0.1',
        direct_port_count: directPorts(offer),
        duration: 2_592_000.0,
        end_date: 1_893_456_000,
        score: round(100 / Math.max(0.01, offer.price), 2),
        dlperf: round(offer.vram_gb * offer.gpu_count * 4, 1),
      };
      this.offerJson.set(offer.key, base);
    }
    // dph_total includes the disk the search was priced for
    return { ...base, dph_total: vastHourly(offer.price, allocatedStorage) };
  }

  private async searchOffers(query: unknown): Promise<Reply> {
    if (query !== undefined && !isRecord(query)) return invalidArgs(400, 3410, 'query must be a JSON object');
    const q = query ?? {};
    const storage = typeof q['allocated_storage'] === 'number' ? q['allocated_storage'] : 8;
    let offers = this.market.listedOffers().map((o) => this.offerBody(o, storage));
    offers = offers.filter((o) => matches(o, q));
    const order = Array.isArray(q['order']) ? (q['order'] as unknown[]) : [];
    for (const entry of [...order].reverse()) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const [field, dir] = entry as [string, string];
      const sign = dir === 'desc' ? -1 : 1;
      offers.sort((a, b) => sign * compareValues(a[field], b[field]));
    }
    // a bounded page whatever the limit asks: a client wanting more pages on (e.g. `id: {gt: last}`)
    const asked = typeof q['limit'] === 'number' && q['limit'] > 0 ? Math.floor(q['limit']) : offers.length;
    const limit = Math.min(asked, this.config.search_page_max);
    const latency = between(this.random, this.config.listing_latency_seconds) * 1000;
    if (latency > 0) await delay(latency);
    return json(200, { offers: offers.slice(0, limit) });
  }

  // ── instances ─────────────────────────────────────────────────────────────

  private noSuchAsk(askId: string): Reply {
    const status = this.config.no_such_ask_status;
    const code = status === 410 ? 3907 : 3603;
    const msg =
      status === 410
        ? `no_such_ask Instance type ${askId} is no longer available.`
        : `no_such_ask  Instance type by id ${askId} is not available.`;
    return json(status, {
      success: false,
      error: status === 410 ? 'no_such_ask' : 'invalid_args',
      msg: `error ${status === 410 ? 410 : 404}/${code}: ${msg}`,
      ask_id: Number(askId),
    });
  }

  private async create(rawAskId: string, body: unknown): Promise<Reply> {
    if (!/^\d{1,18}$/.test(rawAskId)) return invalidArgs(400, 3467, `Invalid args: ask id ${rawAskId.slice(0, 40)}`);
    if (!isRecord(body)) return invalidArgs(400, 3467, 'Invalid args: a JSON body is required');
    const offer = this.market.rentable(rawAskId);
    if (!offer) return this.noSuchAsk(rawAskId);
    const image = body['image'];
    const template = body['template_hash_id'];
    if (
      (typeof image !== 'string' || image.trim() === '') &&
      (typeof template !== 'string' || template.trim() === '')
    ) {
      return invalidArgs(400, 3467, 'Invalid args: image or template_hash_id is required');
    }
    const tpl =
      typeof template === 'string' && template.trim() !== ''
        ? this.templateList.find((t) => t.hash_id === template.trim())
        : undefined;
    if (typeof template === 'string' && template.trim() !== '' && !tpl) {
      return invalidArgs(404, 3611, `Invalid args: no template with hash_id ${template.trim().slice(0, 64)}`);
    }
    if (typeof image === 'string' && image.length > 1024) return invalidArgs(400, 3467, 'Invalid args: image too long');
    const disk = body['disk'] ?? tpl?.recommended_disk_space ?? 10;
    if (typeof disk !== 'number' || !(disk >= 8))
      return invalidArgs(400, 3467, 'Invalid args: disk must be at least 8 GB');
    if (disk > MACHINE_DISK_GB) {
      return invalidArgs(400, 3467, `Invalid args: disk ${disk} GB exceeds the ${MACHINE_DISK_GB} GB the machine offers`);
    }
    const label = body['label'] ?? '';
    if (typeof label !== 'string' || label.length > 256)
      return invalidArgs(400, 3467, 'Invalid args: label must be a string of at most 256 characters');
    const price = body['price'];
    if (price != null && (typeof price !== 'number' || price < 0.001 || price > 128)) {
      return json(400, { success: false, error: 'invalid_price', msg: 'error 400/3470: Invalid price' });
    }
    // request scalars override the template's
    const runtype = body['runtype'] ?? tpl?.runtype ?? 'ssh';
    if (typeof runtype !== 'string' || !runtype.split(/\s+/).every((t) => RUNTYPE_TOKENS.has(t))) {
      return invalidArgs(400, 3467, 'Invalid args: unknown runtype');
    }
    const env = body['env'];
    if (
      env != null &&
      typeof env !== 'string' &&
      !(isRecord(env) && Object.values(env).every((v) => typeof v === 'string'))
    ) {
      return invalidArgs(400, 3467, 'Invalid args: env must be an object of strings or a string of docker flags');
    }
    const onstart = body['onstart'] ?? (tpl?.onstart || null);
    if (onstart != null && (typeof onstart !== 'string' || onstart.length > 4048)) {
      return invalidArgs(400, 3467, 'Invalid args: onstart must be a string of at most 4048 characters');
    }
    const argsStr = typeof body['args_str'] === 'string' ? body['args_str'] : tpl?.args_str || '';
    // env and template env are merged; a published port is served by the image once it has loaded
    const ports = [...new Set([...publishedPorts(tpl?.env ?? ''), ...publishedPorts(env ?? {})])].filter((p) => p !== 22);
    const imageRef =
      typeof image === 'string' && image.trim() !== ''
        ? image
        : tpl
          ? `${tpl.image}${tpl.tag ? `:${tpl.tag}` : ''}`
          : 'vastai/base-image:@vastai-automatic-tag';
    const sshRuns = runtype.split(/\s+/).some((t) => t !== 'args');
    // a host maps ports onto its IP only from its direct ports: beyond them (all of them on a proxy-only host) a
    // published port stays unreachable, and SSH goes through the proxy
    const direct = directPorts(offer);
    const sshDirect = /direc/.test(runtype) && sshRuns && direct > 0;
    const mapped = ports.slice(0, Math.max(0, direct - (sshDirect ? 1 : 0)));

    const id = String(this.nextInstanceId++);
    // account keys go on new instances; an `ssh_key` in the create body is not documented and not honoured
    const keys = this.accountKeys.map((k) => ({ user: 'root', key: k.key }));
    await this.market.create(id, offer, {
      label,
      keys,
      ssh: sshRuns,
      apiPorts: mapped,
      apiModel: modelOf(`${onstart ?? ''} ${argsStr}`),
      details: {
        image: imageRef,
        template_hash_id: typeof template === 'string' ? template : null,
        runtype,
        disk_gb: disk,
        ssh_direct: sshDirect,
        env: env ?? {},
        onstart: onstart ?? null,
        args_str: argsStr || null,
        is_bid: price != null,
      },
    });
    if (
      this.config.lost_create_response_probability > 0 &&
      this.random() < this.config.lost_create_response_probability
    ) {
      this.faults.lost_create_responses += 1;
      return json(502, {
        success: false,
        error: 'bad_gateway',
        msg: 'upstream connect error or disconnect/reset before headers',
      });
    }
    return json(200, { success: true, new_contract: Number(id), instance_api_key: randomBytes(32).toString('hex') });
  }

  /** Vast's `actual_status`: null while provisioning, loading, running, exited (crashed) or stopped. */
  private actualStatus(instance: SimInstance, phase: Phase): string | null {
    switch (phase) {
      case 'provisioning':
        return null;
      case 'loading':
        return 'loading';
      case 'running':
        return 'running';
      case 'stopped':
        return instance.stopped_at !== undefined ? 'stopped' : 'exited';
      default:
        return null;
    }
  }

  private instanceBody(instance: SimInstance): Json {
    const phase = this.market.phase(instance);
    const actual = this.actualStatus(instance, phase);
    // an instance is billed, and shows dph_total, for the disk it was created with
    const offer = this.offerBody(instance.offer, createdDisk(instance));
    const runtype = String(instance.details['runtype'] ?? 'ssh');
    // instances stored before the flag existed: the runtype alone decided
    const direct = typeof instance.details['ssh_direct'] === 'boolean' ? instance.details['ssh_direct'] : /direc/.test(runtype);
    const port = instance.ssh_port;
    const sshKnown = phase !== 'provisioning';
    const env = instance.details['env'];
    const statusMsg: Record<Phase, string | null> = {
      provisioning: null,
      loading: `Pulling image ${String(instance.details['image'])}`,
      running: `success, running ${String(instance.details['image'])}/ssh`,
      stopped:
        instance.stopped_at !== undefined
          ? 'Stopped by user'
          : 'Error response from daemon: container exited with code 137 (out of memory or killed)',
      gone: null,
    };
    return {
      ...pick(offer, [
        'machine_id',
        'host_id',
        'gpu_name',
        'num_gpus',
        'gpu_ram',
        'gpu_total_ram',
        'cuda_max_good',
        'driver_version',
      ]),
      ...pick(offer, [
        'cpu_name',
        'cpu_cores',
        'cpu_cores_effective',
        'cpu_ram',
        'dph_base',
        'dph_total',
        'storage_cost',
      ]),
      ...pick(offer, ['min_bid', 'geolocation', 'reliability2', 'inet_up', 'inet_down', 'direct_port_count']),
      id: Number(instance.id),
      bundle_id: offer['bundle_id'],
      actual_status: actual,
      intended_status: instance.stopped_at !== undefined ? 'stopped' : 'running',
      cur_state: phase === 'stopped' ? 'stopped' : 'running',
      next_state: instance.stopped_at !== undefined ? 'stopped' : 'running',
      status_msg: statusMsg[phase],
      label: instance.label || null,
      image_uuid: instance.details['image'],
      image_runtype: runtype,
      image_args: [],
      extra_env: isRecord(env) ? Object.entries(env) : [],
      onstart: instance.details['onstart'] ?? null,
      template_hash_id: instance.details['template_hash_id'] ?? null,
      // the proxy endpoint is known (but refuses connections) while the container is still loading
      ssh_host: sshKnown ? '127.0.0.1' : null,
      ssh_idx: sshKnown ? '1' : null,
      ssh_port: sshKnown ? port : null,
      machine_dir_ssh_port: 5300,
      // real values carry stray whitespace; clients must trim
      public_ipaddr: '127.0.0.1\n',
      local_ipaddrs: '10.2.202.31 172.17.0.1 \n',
      ports: phase === 'running' ? this.portsOf(instance, direct) : null,
      direct_port_start: direct ? port : -1,
      direct_port_end: direct ? port : -1,
      disk_space: instance.details['disk_gb'],
      is_bid: instance.details['is_bid'] === true,
      start_date: instance.created_at / 1000,
      end_date: instance.created_at / 1000 + 2_592_000,
      duration: (Date.now() - instance.created_at) / 1000,
      jupyter_token: null,
    };
  }

  /** Docker-style port map: 22/tcp for direct runtypes, and every published port of the image. */
  private portsOf(instance: SimInstance, direct: boolean): Json | null {
    const ports: Json = {};
    if (direct && instance.ssh !== false) ports['22/tcp'] = [{ HostIp: '0.0.0.0', HostPort: String(instance.ssh_port) }];
    for (const [container, host] of Object.entries(instance.api_ports ?? {})) {
      ports[`${container}/tcp`] = [{ HostIp: '0.0.0.0', HostPort: String(host) }];
    }
    return Object.keys(ports).length > 0 ? ports : null;
  }

  private show(rawId: string): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    const instance = this.market.live(id);
    // gone or never ours: 200 with a null payload, as the real API answers
    return json(200, { instances: instance ? this.instanceBody(instance) : null });
  }

  private manage(rawId: string, body: unknown): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    const instance = this.market.live(id);
    if (!instance) return json(404, { success: false, error: 'no_such_instance', msg: 'Instance not found' });
    if (!isRecord(body)) return invalidArgs(400, 1782, 'Invalid args');
    if ('label' in body) {
      if (typeof body['label'] !== 'string' || body['label'].length > 1024) {
        return json(400, {
          success: false,
          error: 'label_too_long',
          msg: 'label must be at most 1024 characters (ideally less than 128)',
        });
      }
      this.market.setLabel(instance, body['label']);
    }
    if (body['state'] === 'stopped') this.market.stop(id);
    else if (body['state'] === 'running' && this.market.phase(instance) === 'stopped') this.market.restart(id);
    return json(200, { success: true });
  }

  private destroy(rawId: string): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    if (!this.market.destroy(id)) return json(404, { success: false, error: 'not_found', msg: 'Instance not found' });
    return json(200, { success: true, msg: 'Instance destroyed' });
  }

  /** The v0 listing was retired in favour of /api/v1/instances/ (vast-ai CLI commit 9f04c5f); it answers 410 as live. */
  private listV0Retired(): Reply {
    this.deprecatedCalls += 1;
    return json(410, {
      success: false,
      error: 'deprecated_endpoint',
      msg: 'GET /api/v0/instances/ is deprecated; use GET /api/v1/instances/',
    });
  }

  private listV1(req: SimRequest): Reply {
    const rawLimit = Number(req.query.get('limit') ?? 25);
    const limit = Math.min(
      this.config.page_size,
      !Number.isFinite(rawLimit) || rawLimit <= 0 ? 5 : Math.floor(rawLimit),
    );
    let offset = 0;
    const token = req.query.get('after_token');
    if (token) {
      try {
        const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
        if (typeof decoded.o !== 'number' || decoded.o < 0) throw new Error('bad token');
        offset = decoded.o;
      } catch {
        return json(400, { success: false, error: 'invalid_token', msg: 'Invalid after_token' });
      }
    }
    let filters: Json = {};
    const rawFilters = req.query.get('select_filters');
    if (rawFilters) {
      const parsed = parseQuery(rawFilters);
      if (!isRecord(parsed))
        return json(400, {
          success: false,
          error: 'invalid_request',
          msg: 'Error in query parameters: select_filters',
        });
      for (const field of Object.keys(parsed)) {
        if (!LIST_FILTER_COLUMNS.has(field)) {
          return json(400, {
            success: false,
            error: 'invalid_request',
            msg: `Error in query parameters: ${field} is not a valid search key`,
          });
        }
      }
      filters = parsed;
    }
    const all = this.sortedListed()
      .map((i) => this.instanceBody(i))
      .filter((i) => matches(i, filters));
    const page = all.slice(offset, offset + limit);
    const next =
      offset + limit < all.length ? Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url') : null;
    const labelCounts: Record<string, number> = {};
    for (const i of all) labelCounts[String(i['label'] ?? '')] = (labelCounts[String(i['label'] ?? '')] ?? 0) + 1;
    return json(200, {
      success: true,
      instances_found: page.length,
      total_instances: all.length,
      label_counts: labelCounts,
      next_token: next,
      instances: page,
    });
  }

  private sortedListed(): SimInstance[] {
    return this.market.listed().sort((a, b) => Number(a.id) - Number(b.id));
  }

  // ── keys ──────────────────────────────────────────────────────────────────

  private attachKey(rawId: string, body: unknown): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    const instance = this.market.live(id);
    if (!instance) return json(404, { success: false, error: 'no_such_instance', msg: 'Instance not found' });
    const key = isRecord(body) ? body['ssh_key'] : undefined;
    if (typeof key !== 'string' || !isPublicKey(key.trim())) {
      return json(400, { success: false, error: 'invalid_args', msg: 'error 400/3801: Invalid ssh key' });
    }
    this.market.addKey(instance, 'root', key);
    return json(200, { success: true, msg: 'SSH key attached successfully' });
  }

  private instanceKeys(rawId: string): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    const instance = this.market.live(id);
    if (!instance) return json(404, { success: false, error: 'no_such_instance', msg: 'Instance not found' });
    if (this.config.instance_keys === 'error') {
      return json(500, { success: false, error: 'server_error', msg: 'Internal Server Error' });
    }
    // lagging: the attached keys work on the instance, the listing does not show them yet
    const listed = this.config.instance_keys === 'lagging' ? [] : instance.keys;
    const keys = listed.map((k) => ({ id: k.id, public_key: k.key, created_at: iso(k.created_at) }));
    // documented as a JSON string inside the JSON answer
    return json(200, { success: true, ssh_keys: JSON.stringify(keys) });
  }

  private detachKey(rawId: string, keyId: string): Reply {
    const id = this.instanceId(rawId);
    if (typeof id !== 'string') return id;
    const instance = this.market.live(id);
    if (!instance || !this.market.removeKey(instance, Number(keyId))) {
      return json(404, { success: false, error: 'not_found', msg: 'SSH key not found' });
    }
    return json(200, { success: true, msg: 'SSH key detached' });
  }

  private addAccountKey(body: unknown): Reply {
    const key = isRecord(body) ? body['ssh_key'] : undefined;
    if (typeof key !== 'string' || !isPublicKey(key.trim())) {
      return json(400, { success: false, error: 'invalid_args', msg: 'error 400/3801: Invalid ssh key' });
    }
    const added: AccountKey = {
      id: this.accountKeys.reduce((m, k) => Math.max(m, k.id), 0) + 1,
      key: key.trim(),
      created_at: Date.now(),
    };
    this.accountKeys.push(added);
    this.market.save();
    return json(200, {
      success: true,
      key: {
        id: added.id,
        user_id: 424242,
        public_key: added.key,
        created_at: iso(added.created_at),
        deleted_at: null,
      },
    });
  }

  private templates(req: SimRequest): Reply {
    const raw = req.query.get('select_filters');
    const filters = raw ? parseQuery(raw) : {};
    if (!isRecord(filters)) {
      return json(400, { success: false, error: 'invalid_request', msg: 'Error in query parameters: select_filters' });
    }
    const templates = this.templateList
      .map((t, i) => ({ id: 301 + i, created_at: 1_735_689_600.0 + i * 86_400, ...t }))
      .filter((t) => matches(t as unknown as Json, filters));
    return json(200, { success: true, templates_found: templates.length, templates });
  }
}

/** Vast direct_port_count of an offer (100 for one stored before it was configurable). */
function directPorts(offer: SimOffer): number {
  return offer.direct_ports ?? 100;
}

/** Container ports published by `-p` mappings: env keys (`{"-p 8000:8000":"1"}`) or a docker-flag string. */
function publishedPorts(env: unknown): number[] {
  const text = typeof env === 'string' ? env : isRecord(env) ? Object.keys(env).join(' ') : '';
  const ports: number[] = [];
  for (const m of text.matchAll(/(?:^|\s)-p\s+(?:[\d.]+:)?(?:\d+:)?(\d+)(?:\/tcp)?(?=\s|$)/g)) {
    const port = Number(m[1]);
    if (port > 0 && port < 65_536) ports.push(port);
  }
  return ports;
}

/** The model a server command names (`--model X`, `--model-id X`, `--model=X`), for what /v1/models answers. */
export function modelOf(command: string): string | undefined {
  const words = shellWords(command) ?? command.split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === '--model' || w === '--model-id') && words[i + 1]) return words[i + 1];
    const m = /^--model(?:-id)?=(.+)$/.exec(w);
    if (m) return m[1];
  }
  return undefined;
}

function parseQuery(raw: string | null): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pick(o: Json, keys: string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

/** Vast's filter syntax: {field: {op: value}} with eq, neq, gt, gte, lt, lte, in, notin. */
function matches(item: Json, query: Json): boolean {
  for (const [field, condition] of Object.entries(query)) {
    if (RESERVED_QUERY_KEYS.has(field) || !isRecord(condition) || !(field in item)) continue;
    let value = item[field];
    // geolocation filters take country codes; the values are "California, US"
    if (field === 'geolocation' && typeof value === 'string') value = value.split(',').at(-1)!.trim();
    for (const [op, arg] of Object.entries(condition)) {
      if (!compare(value, op, arg)) return false;
    }
  }
  return true;
}

function compare(value: unknown, op: string, arg: unknown): boolean {
  switch (op) {
    case 'eq':
      return value === arg;
    case 'neq':
      return value !== arg;
    case 'gt':
      return typeof value === 'number' && typeof arg === 'number' && value > arg;
    case 'gte':
      return typeof value === 'number' && typeof arg === 'number' && value >= arg;
    case 'lt':
      return typeof value === 'number' && typeof arg === 'number' && value < arg;
    case 'lte':
      return typeof value === 'number' && typeof arg === 'number' && value <= arg;
    case 'in':
      return Array.isArray(arg) && arg.includes(value);
    case 'notin':
      return Array.isArray(arg) && !arg.includes(value);
    default:
      return true;
  }
}

export async function startVastAiSim(options: SimStartOptions): Promise<VastAiSim> {
  return new VastAiSim(options).start();
}
