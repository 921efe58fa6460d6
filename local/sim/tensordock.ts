// A simulated TensorDock (https://dashboard.tensordock.com/api/v2): the routes, request and answer shapes,
// quirks and error bodies of the real API (reference/provider-apis.md §2), so the real adapter runs unchanged
// against it. Deliberate difference: a VM cannot have port 22 on loopback, so even with a dedicated IP its
// SSH port is reported as a port-22 forward (the adapter reads forwards first, as it must for real VMs too), and
// the ports a `docker run -p` in cloud-init publishes likewise.
import { randomUUID } from 'node:crypto';
import { bearer, delay, json, type Reply, route, type SimRequest, SimHttpServer, text } from './http-kit.ts';
import { injectedFault, newFaultTally } from './faults.ts';
import { inspectionRoutes } from './inspect.ts';
import { Market, type Phase, type SimInstance, type SimInstanceView } from './market.ts';
import { between, pick, seededRandom, stableUuid } from './random.ts';
import { type Scenario, type SimOffer, tensorDockOffers } from './scenario.ts';
import { shellWords } from './shell.ts';
import { isPublicKey } from './ssh-host.ts';
import { tensorDockRateLimits } from './rate-limits.ts';
import { modelOf, type SimStartOptions } from './vastai.ts';

const PRICING = { per_vcpu_hr: 0.003, per_gb_ram_hr: 0.002, per_gb_storage_hr: 0.00005 };
const MIN_STORAGE_GB = 100;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

interface ValidationIssue {
  code: string;
  message: string;
  path: (string | number)[];
}

const invalid = (issues: ValidationIssue[]): Reply => json(400, issues);

function splitLocation(location: string): { city: string; stateprovince: string; country: string } {
  const parts = location.split(',').map((p) => p.trim());
  if (parts.length >= 3) return { city: parts[0]!, stateprovince: parts[1]!, country: parts.slice(2).join(', ') };
  if (parts.length === 2) return { city: parts[0]!, stateprovince: '', country: parts[1]! };
  return { city: '', stateprovince: '', country: parts[0] ?? '' };
}

function limits(offer: SimOffer) {
  return { max_vcpus: 14 * offer.gpu_count, max_ram_gb: 80 * offer.gpu_count, max_storage_gb: 2000 };
}

/**
 * Public keys that cloud-init `runcmd` lines write into an account's authorized_keys
 * (`echo '<key>' >> /root/.ssh/authorized_keys`, `printf '%s\n' '<k1>' '<k2>' >> …`), per account.
 */
export function keysFromRuncmd(runcmd: unknown): { user: string; key: string }[] {
  if (!Array.isArray(runcmd)) return [];
  const found: { user: string; key: string }[] = [];
  for (const line of runcmd) {
    if (typeof line !== 'string') continue;
    const words = shellWords(line);
    if (!words) continue;
    const redirect = words.findIndex((w) => w === '>>' || w === '>');
    const target = redirect >= 0 ? words[redirect + 1] : undefined;
    const user =
      target === '/root/.ssh/authorized_keys'
        ? 'root'
        : target === '/home/user/.ssh/authorized_keys'
          ? 'user'
          : undefined;
    if (!user || (words[0] !== 'echo' && words[0] !== 'printf')) continue;
    for (const word of words.slice(1, redirect)) {
      for (const candidate of word.split('\n')) {
        if (isPublicKey(candidate.trim())) found.push({ user, key: candidate.trim() });
      }
    }
  }
  return found;
}

/**
 * The workload a cloud-init `runcmd` starts with `docker run … -p A:B … image [args]`: its published container
 * ports and the model its server names, if any.
 */
function workloadFromRuncmd(runcmd: unknown): { ports: number[]; model?: string } {
  if (!Array.isArray(runcmd)) return { ports: [] };
  const ports: number[] = [];
  let model: string | undefined;
  for (const line of runcmd) {
    if (typeof line !== 'string') continue;
    const words = shellWords(line);
    if (words?.[0] !== 'docker' || words[1] !== 'run') continue;
    for (let i = 2; i < words.length; i++) {
      const w = words[i]!;
      const mapping = w === '-p' || w === '--publish' ? words[++i] : w.startsWith('--publish=') ? w.slice(10) : undefined;
      const port = Number(mapping?.split(':').at(-1)?.replace(/\/tcp$/, ''));
      if (mapping && Number.isInteger(port) && port > 0 && port < 65_536 && !ports.includes(port)) ports.push(port);
    }
    model ??= modelOf(words.join(' '));
  }
  return { ports, ...(model ? { model } : {}) };
}

export class TensorDockSim {
  readonly market: Market;
  /** faults injected since start */
  readonly faults = newFaultTally();
  /** the documented 100 requests a minute per organisation, enforced; what clients sent against it */
  readonly rateLimits: ReturnType<typeof tensorDockRateLimits>;
  readonly apiKey: string;
  url = '';
  private readonly config: Scenario['tensordock'];
  private readonly server: SimHttpServer;
  private readonly random: () => number;
  private readonly hostnodeIds = new Map<string, string>();
  /** creates being answered right now */
  private creating = 0;
  /** creates refused with a transient 401 (unauthorized_when_concurrent) */
  unauthorizedCreates = 0;

  constructor(options: SimStartOptions) {
    this.config = options.scenario.tensordock;
    this.apiKey = this.config.api_key ?? `td-${randomUUID()}`;
    this.random = seededRandom(options.scenario.seed + 29);
    this.rateLimits = tensorDockRateLimits(options.rateLimitScale ?? 0);
    const offers = tensorDockOffers(options.scenario);
    for (const offer of offers)
      this.hostnodeIds.set(offer.host, stableUuid(options.scenario.seed, 'td-hostnode', offer.host));
    this.market = new Market({
      provider: 'tensordock',
      offers,
      seed: options.scenario.seed,
      dataDir: options.dataDir,
      listingLagSeconds: this.config.listing_lag_seconds,
      ipDelaySeconds: this.config.ip_delay_seconds,
      statusText: (instance, phase) => this.status(instance, phase),
      // rateHourly as computed at create: GPU + vCPUs + RAM + the storage the VM was created with
      billedPerHour: (instance) => Number(instance.details['rate_hourly']),
    });
    this.server = new SimHttpServer({
      port: options.port,
      normalize: (p) => (p.startsWith('/api/v2/') ? p.slice('/api/v2'.length) : p.startsWith('/_sim/') ? p : undefined),
      before: (req) => this.before(req),
      notFound: () => json(404, { error: 'Not found' }),
      routes: [
        ...inspectionRoutes(this.market, () => this.locations(), this.faults),
        route('GET', /^\/locations$/, () => this.listLocations()),
        route('GET', /^\/hostnodes$/, () => json(200, { data: { hostnodes: this.hostnodes() } })),
        route('GET', /^\/hostnodes\/([^/]+)$/, (_req, [id]) => {
          const node = this.hostnodes().find((h) => h['id'] === id);
          return node ? json(200, { data: node }) : json(404, { error: 'Hostnode not found' });
        }),
        route('POST', /^\/instances$/, (req) => this.createPaced(req.body)),
        route('GET', /^\/instances$/, () => this.list()),
        route('GET', /^\/instances\/([^/]+)$/, (_req, [id]) => this.show(id!)),
        route('DELETE', /^\/instances\/([^/]+)$/, (_req, [id]) => this.destroy(id!)),
        route('POST', /^\/instances\/([^/]+)\/(start|stop)$/, (_req, [id, action]) =>
          this.power(id!, action as 'start' | 'stop'),
        ),
      ],
    });
  }

  async start(): Promise<this> {
    this.market.start();
    this.url = `${await this.server.listen()}/api/v2`;
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.market.close();
  }

  instances(): SimInstanceView[] {
    return this.market.instances();
  }

  private before(req: SimRequest): Reply | undefined {
    if (req.path.startsWith('/_sim/')) return undefined;
    const limited = this.rateLimits.check('all', `org:${bearer(req) ?? req.query.get('api_token') ?? ''}`);
    if (limited) return limited;
    const fault = injectedFault('tensordock', this.config, this.random, this.faults);
    if (fault) return fault;
    // Bearer everywhere; /locations also took query credentials live
    const token = bearer(req) ?? (req.path === '/locations' ? (req.query.get('api_token') ?? undefined) : undefined);
    const ok = this.config.api_key ? token === this.config.api_key : Boolean(token);
    return ok ? undefined : text(401, 'Unauthorized');
  }

  // ── inventory ─────────────────────────────────────────────────────────────

  private locations(): Json[] {
    const byLocation = new Map<string, Json & { gpus: Json[] }>();
    for (const offer of this.market.listedOffers()) {
      let location = byLocation.get(offer.location_id);
      if (!location) {
        location = { id: offer.location_id, ...splitLocation(offer.location), tier: offer.tier, gpus: [] };
        byLocation.set(offer.location_id, location);
      }
      location.gpus.push({
        v0Name: offer.v0_name,
        displayName: offer.gpu,
        max_count: offer.gpu_count,
        price_per_hr: offer.price,
        resources: limits(offer),
        pricing: PRICING,
        network_features: {
          dedicated_ip_available: true,
          port_forwarding_available: true,
          network_storage_available: false,
        },
      });
    }
    return [...byLocation.values()];
  }

  private async listLocations(): Promise<Reply> {
    const body = { data: { locations: this.locations() } };
    const latency = between(this.random, this.config.listing_latency_seconds) * 1000;
    if (latency > 0) await delay(latency);
    return json(200, body);
  }

  private hostnodes(): Json[] {
    const byHost = new Map<string, SimOffer[]>();
    for (const offer of this.market.listedOffers()) byHost.set(offer.host, [...(byHost.get(offer.host) ?? []), offer]);
    return [...byHost.entries()].map(([host, offers]) => {
      const first = offers[0]!;
      return {
        id: this.hostnodeIds.get(host),
        location_id: first.location_id,
        engine: 'kvm',
        uptime_percentage: 99.9,
        available_resources: {
          gpus: offers.map((o) => ({ v0Name: o.v0_name, availableCount: o.gpu_count, price_per_hr: o.price })),
          vcpu_count: 64,
          ram_gb: 256,
          storage_gb: 4000,
          available_ports: [20022, 20080, 20443],
          has_public_ip_available: true,
        },
        pricing: PRICING,
        location: {
          uuid: first.location_id,
          ...splitLocation(first.location),
          tier: first.tier,
          network_speed_gbps: 10,
          network_speed_upload_gbps: 10,
          has_network_storage: false,
        },
      };
    });
  }

  // ── instances ─────────────────────────────────────────────────────────────

  private status(_instance: SimInstance, phase: Phase): string {
    if (phase === 'stopped') return 'stopped';
    return 'running'; // from create on; the IP comes later
  }

  private instanceBody(instance: SimInstance): Json {
    const phase = this.market.phase(instance);
    const hasIp = Date.now() >= instance.ip_at;
    return {
      type: 'virtualmachine',
      id: instance.id,
      name: instance.label,
      status: this.status(instance, phase),
      ipAddress: hasIp ? '127.0.0.1' : '',
      // loopback cannot give a VM its own ports: SSH and published workload ports appear as forwards
      portForwards: hasIp
        ? [
            { internal_port: 22, external_port: instance.ssh_port },
            ...Object.entries(instance.api_ports ?? {}).map(([internal, external]) => ({
              internal_port: Number(internal),
              external_port: external,
            })),
          ]
        : [],
      rateHourly: instance.details['rate_hourly'],
      resources: instance.details['resources'],
      location_id: instance.offer.location_id,
      created_at: new Date(instance.created_at).toISOString(),
    };
  }

  /**
   * Live, creates made concurrently were answered `401 Unauthorized` with unchanged credentials (provider-apis.md
   * §2.1, bug #62): with the knob on, a create arriving while another is still being answered is refused that way.
   */
  private async createPaced(body: unknown): Promise<Reply> {
    if (this.config.unauthorized_when_concurrent && this.creating > 0) {
      this.unauthorizedCreates += 1;
      return text(401, 'Unauthorized');
    }
    this.creating += 1;
    try {
      // no draw from the seeded random without a latency, so other scenarios keep their sequence
      const [, most] = this.config.create_latency_seconds;
      if (most > 0) await delay(between(this.random, this.config.create_latency_seconds) * 1000);
      return await this.create(body);
    } finally {
      this.creating -= 1;
    }
  }

  private async create(body: unknown): Promise<Reply> {
    const data = isRecord(body) ? body['data'] : undefined;
    if (!isRecord(data)) return invalid([{ code: 'required', message: 'data is required', path: ['data'] }]);
    const issues: ValidationIssue[] = [];
    if (data['type'] !== 'virtualmachine') {
      issues.push({ code: 'invalid_literal', message: 'type must be "virtualmachine"', path: ['data', 'type'] });
    }
    const a = isRecord(data['attributes']) ? data['attributes'] : {};
    const at = (...p: (string | number)[]) => ['data', 'attributes', ...p];
    const name = a['name'];
    if (typeof name !== 'string' || name.trim() === '')
      issues.push({ code: 'required', message: 'Name is required', path: at('name') });
    if (typeof a['image'] !== 'string' || a['image'] === '')
      issues.push({ code: 'required', message: 'Image is required', path: at('image') });
    const resources = isRecord(a['resources']) ? a['resources'] : undefined;
    if (!resources) issues.push({ code: 'required', message: 'Resources are required', path: at('resources') });
    const vcpus = resources?.['vcpu_count'];
    const ram = resources?.['ram_gb'];
    const storage = resources?.['storage_gb'];
    if (typeof vcpus !== 'number' || vcpus < 1)
      issues.push({ code: 'invalid', message: 'vcpu_count must be at least 1', path: at('resources', 'vcpu_count') });
    if (typeof ram !== 'number' || ram < 1)
      issues.push({ code: 'invalid', message: 'ram_gb must be at least 1', path: at('resources', 'ram_gb') });
    if (typeof storage !== 'number' || storage < MIN_STORAGE_GB) {
      issues.push({
        code: 'too_small',
        message: `storage_gb must be at least ${MIN_STORAGE_GB}`,
        path: at('resources', 'storage_gb'),
      });
    }
    const hasKey = typeof a['ssh_key'] === 'string' && a['ssh_key'] !== '';
    const hasKeyId = a['ssh_key_id'] != null;
    if (hasKey === hasKeyId) {
      issues.push({ code: 'invalid', message: 'Provide exactly one of ssh_key or ssh_key_id', path: at('ssh_key') });
    } else if (hasKey && !isPublicKey(String(a['ssh_key']).trim())) {
      issues.push({ code: 'invalid', message: 'ssh_key is not a valid public key', path: at('ssh_key') });
    } else if (hasKeyId) {
      issues.push({ code: 'not_found', message: 'Unknown ssh_key_id', path: at('ssh_key_id') });
    }
    const gpus = isRecord(resources?.['gpus']) ? (resources['gpus'] as Json) : {};
    const gpuEntries = Object.entries(gpus);
    const locationId = typeof a['location_id'] === 'string' ? a['location_id'] : undefined;
    const hostnodeId = typeof a['hostnode_id'] === 'string' ? a['hostnode_id'] : undefined;
    if (!locationId && !hostnodeId)
      issues.push({ code: 'required', message: 'location_id or hostnode_id is required', path: at('location_id') });
    if (gpuEntries.length !== 1)
      issues.push({ code: 'invalid', message: 'Exactly one GPU type is required', path: at('resources', 'gpus') });
    const [v0Name, gpuSpec] = gpuEntries[0] ?? [];
    const count = isRecord(gpuSpec) ? gpuSpec['count'] : undefined;
    if (gpuEntries.length === 1 && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
      issues.push({
        code: 'invalid',
        message: 'GPU count must be at least 1',
        path: at('resources', 'gpus', v0Name ?? '', 'count'),
      });
    }
    if (issues.length > 0) return invalid(issues);

    const forwards = Array.isArray(a['port_forwards']) ? a['port_forwards'] : [];
    if (a['useDedicatedIp'] !== true && !forwards.some((f) => isRecord(f) && f['internal_port'] === 22)) {
      return json(400, { error: 'SSH port (22) must be forwarded for Ubuntu VMs' });
    }

    const offerKey = locationId
      ? `${locationId}/${v0Name}`
      : this.market.listedOffers().find((o) => this.hostnodeIds.get(o.host) === hostnodeId && o.v0_name === v0Name)
          ?.key;
    const known = offerKey ? this.market.offer(offerKey) : undefined;
    if (locationId && !this.market.listedOffers().some((o) => o.location_id === locationId) && !known) {
      return json(404, { error: 'Location not found' });
    }
    const offer = offerKey ? this.market.rentable(offerKey) : undefined;
    if (!offer) {
      // the listing was stale: the answer is a 200 whose body carries the failure
      return json(200, {
        status: 400,
        error: pick(this.random, ['No available nodes found', 'No available public IPs on hostnode']),
      });
    }
    const max = limits(offer);
    if ((count as number) > offer.gpu_count) {
      return invalid([
        {
          code: 'too_big',
          message: `At most ${offer.gpu_count} GPUs of this type`,
          path: at('resources', 'gpus', v0Name!, 'count'),
        },
      ]);
    }
    if (
      (vcpus as number) > max.max_vcpus ||
      (ram as number) > max.max_ram_gb ||
      (storage as number) > max.max_storage_gb
    ) {
      return invalid([
        { code: 'too_big', message: 'Requested resources exceed what the location offers', path: at('resources') },
      ]);
    }

    // ssh_key goes to the default account; cloud-init runcmd lines may install keys for root and user
    const runcmd = isRecord(a['cloud_init']) ? a['cloud_init']['runcmd'] : undefined;
    const keys = [{ user: 'user', key: String(a['ssh_key']).trim() }, ...keysFromRuncmd(runcmd)];
    const workload = workloadFromRuncmd(runcmd);
    const id = randomUUID();
    const rate =
      offer.price * (count as number) +
      (vcpus as number) * PRICING.per_vcpu_hr +
      (ram as number) * PRICING.per_gb_ram_hr +
      (storage as number) * PRICING.per_gb_storage_hr;
    await this.market.create(id, offer, {
      label: String(name).trim(),
      keys,
      apiPorts: workload.ports,
      apiModel: workload.model,
      details: {
        image: a['image'],
        disk_gb: storage,
        rate_hourly: Math.round(rate * 1e6) / 1e6,
        resources: { vcpu_count: vcpus, ram_gb: ram, storage_gb: storage, gpus: { [v0Name!]: { count, v0Name } } },
      },
    });
    if (
      this.config.lost_create_response_probability > 0 &&
      this.random() < this.config.lost_create_response_probability
    ) {
      this.faults.lost_create_responses += 1;
      return text(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html');
    }
    return json(200, { data: { type: 'virtualmachine', id, name: String(name).trim(), status: 'running' } });
  }

  private show(id: string): Reply {
    const instance = this.market.live(id);
    return instance ? json(200, this.instanceBody(instance)) : json(404, { error: 'Instance not found' });
  }

  private list(): Reply {
    const items = this.market
      .listed()
      .sort((a, b) => a.created_at - b.created_at)
      .map((i) => this.instanceBody(i));
    const attributesOf = (i: Json) => {
      const { id: _id, type: _type, ...rest } = i;
      return rest;
    };
    switch (this.config.list_envelope) {
      case 'data_array':
        return json(200, { data: items });
      case 'data_instances':
        return json(200, { data: { instances: items } });
      case 'jsonapi':
        return json(200, {
          data: { instances: items.map((i) => ({ type: 'VM', id: i['id'], attributes: attributesOf(i) })) },
        });
      case 'jsonapi_list':
        return json(200, {
          data: {
            type: 'list',
            id: 'instances',
            attributes: {
              instances: items.map((i) => ({
                type: 'instance',
                id: i['id'],
                attributes: { ...attributesOf(i), region: i['location_id'] },
              })),
            },
          },
        });
    }
  }

  private destroy(id: string): Reply {
    if (!this.market.destroy(id)) return json(404, { error: 'Instance not found' });
    return json(200, { data: { type: 'success', attributes: { message: 'Instance deleted successfully' } } });
  }

  private power(id: string, action: 'start' | 'stop'): Reply {
    const instance = this.market.live(id);
    if (!instance) return json(404, { error: 'Instance not found' });
    if (action === 'stop') this.market.stop(id);
    else if (this.market.phase(instance) === 'stopped') this.market.restart(id);
    return json(200, {
      data: { type: 'instance', id, attributes: { status: action === 'stop' ? 'stopping' : 'starting' } },
    });
  }
}

export async function startTensorDockSim(options: SimStartOptions): Promise<TensorDockSim> {
  return new TensorDockSim(options).start();
}
