// TensorDock adapter (https://dashboard.tensordock.com/api/v2). Facts it relies on: inventory is GET /locations
// (one offer per location+GPU, GPU price only), create is a JSON:API POST /instances that can fail inside an
// HTTP 200 body, GET /instances/{id} is flat, GET /instances has three envelopes, a 404 on delete means gone, and a
// 401 can be transient (seen on concurrent creates with unchanged credentials), so only a lasting one is believed.
import * as z from 'zod';
import type { Instance, InstanceStatus } from '../../domain/instance.ts';
import { normalizeGpuName, type Offer } from '../../domain/offer.ts';
import {
  InstanceNotFoundError,
  InvalidProviderRequestError,
  OfferUnavailableError,
  ProviderUnavailableError,
} from '../../domain/provider-errors.ts';
import { logger } from '../../observability/powertools.ts';
import type { CreatedInstance, CreateInstanceRequest, ProviderClient } from '../../ports/provider.ts';
import { isRecord, ProviderHttp, type ProviderHttpOptions, type ProviderRequest, type ProviderResponse } from './http.ts';
import { type BackoffOptions, backoffDelayMs, type RequestLimiter, type Sleep, sleep, TokenBucket } from './rate-limiter.ts';
import { checkPublicKeys, shellQuote } from './ssh-keys.ts';

const TENSORDOCK_DEFAULT_URL = 'https://dashboard.tensordock.com/api/v2';
const MIN_STORAGE_GB = 100;
const UUID_LENGTH = 36;
/** about 7 s in all before a 401 is taken for a bad token */
const DEFAULT_UNAUTHORIZED_BACKOFF: BackoffOptions = { retries: 3, baseMs: 1000, maxMs: 4000 };

interface TensorDockClientOptions {
  apiToken: string;
  baseUrl?: string;
  /** default: 1.5 requests/s with a burst of 3 (TensorDock allows 100 a minute per organisation) */
  limiter?: RequestLimiter;
  http?: Pick<ProviderHttpOptions, 'fetch' | 'sleep' | 'random' | 'rateLimitBackoff' | 'transientBackoff'>;
  /** backoff before asking again after a 401 (a lasting 401 is a bad token) */
  unauthorizedBackoff?: BackoffOptions;
  /** OS image; ubuntu2404 images came without NVIDIA drivers */
  image?: string;
  /** what each VM is created with, and therefore what its offer's price includes */
  vcpus?: number;
  ramGb?: number;
  storageGb?: number;
  now?: () => Date;
}

const num = z.number().nullish();
const Gpu = z.looseObject({
  v0Name: z.string().min(1),
  displayName: z.string().nullish(),
  max_count: num,
  price_per_hr: z.number().nonnegative(),
  resources: z.looseObject({ max_vcpus: num, max_ram_gb: num, max_storage_gb: num }).nullish(),
  pricing: z.looseObject({ per_vcpu_hr: num, per_gb_ram_hr: num, per_gb_storage_hr: num }).nullish(),
  network_features: z.looseObject({ dedicated_ip_available: z.boolean().nullish() }).nullish(),
});
const Location = z.looseObject({
  id: z.string().min(1),
  city: z.string().nullish(),
  stateprovince: z.string().nullish(),
  country: z.string().nullish(),
  tier: num,
  gpus: z.array(z.unknown()),
});

const TdInstanceSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  status: z.string().nullish(),
  ipAddress: z.string().nullish(),
  portForwards: z
    .array(z.looseObject({ internal_port: z.coerce.number(), external_port: z.coerce.number() }))
    .nullish()
    .catch(null),
  rateHourly: num,
  created_at: z.string().nullish(),
  createdAt: z.string().nullish(),
});
type TdInstance = z.infer<typeof TdInstanceSchema>;

/** Capacity messages: the listing was stale. They arrive as 4xx, and also inside an HTTP 200 body. */
const CAPACITY =
  /no available nodes|no available public ips|insufficient capacity|out of stock|resource unavailable|sold out|at capacity|no capacity|not enough (gpus|capacity|resources)/i;

const STARTING = new Set([
  'creating',
  'created',
  'starting',
  'queued',
  'pending',
  'deploying',
  'provisioning',
  'booting',
  'initializing',
  'restarting',
  'rebooting',
]);
const STOPPING = new Set(['stopping', 'deleting', 'terminating', 'shuttingdown']);
const STOPPED = new Set(['stopped', 'stoppeddisassociated', 'error', 'failed', 'terminated', 'deleted', 'suspended']);

/** Compared case-insensitively, ignoring `_` and `-` ("StoppedDisassociated", "stopped_disassociated"). */
export function tensorDockStatus(status: string | null | undefined): InstanceStatus {
  const s = (status ?? '').toLowerCase().replace(/[_\-\s]/g, '');
  if (s === 'running') return 'running';
  if (STARTING.has(s)) return 'starting';
  if (STOPPING.has(s)) return 'stopping';
  if (STOPPED.has(s)) return 'stopped';
  return 'unknown';
}

function toInstance(raw: TdInstance): Instance {
  const ip = raw.ipAddress?.trim();
  const forwards = raw.portForwards ?? [];
  const ssh = forwards.find((f) => f.internal_port === 22)?.external_port ?? 22;
  return {
    id: raw.id.trim(),
    provider: 'tensordock',
    label: raw.name?.trim() || undefined,
    status: tensorDockStatus(raw.status),
    provider_status: raw.status?.trim() ?? '',
    // with a dedicated IP there are no forwards and SSH is on 22
    ssh: ip ? { host: ip, port: ssh, user: 'root' } : undefined,
    ports:
      ip && forwards.length > 0
        ? Object.fromEntries(forwards.map((f) => [String(f.internal_port), { host: ip, port: f.external_port }]))
        : undefined,
    // every VM is created with a dedicated IP: a port without a forward is reachable as itself
    open_host: ip || undefined,
    price_per_hour: raw.rateHourly ?? undefined,
    created_at: raw.created_at ?? raw.createdAt ?? undefined,
  };
}

/** "Texas, Texas, United States" → "Texas, United States" */
export function tensorDockLocation(parts: (string | null | undefined)[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of parts) {
    const text = part?.trim();
    if (!text || seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    out.push(text);
  }
  return out.join(', ');
}

/** "geforcertx4090-pcie-24gb" → "RTX 4090", "h100-sxm5-80gb" → "H100 SXM", "rtxa6000-pcie-48gb" → "RTX A6000" */
export function gpuNameFromV0Name(v0Name: string): string {
  const parts = v0Name.toLowerCase().split('-');
  let model = (parts[0] ?? '').replace(/^(nvidia)?(geforce|tesla)?/, '');
  model = model
    .replace(/^rtx(\d)/, 'RTX $1')
    .replace(/^rtx(a\d)/, 'RTX $1')
    .replace(/^gtx(\d)/, 'GTX $1');
  const formFactor = parts.find((p) => /^(sxm\d?|nvl)$/.test(p));
  return normalizeGpuName(
    `${model.toUpperCase().replace(/^(RTX|GTX) /, '$1 ')}${formFactor ? ` ${formFactor.toUpperCase()}` : ''}`,
  );
}

/** VRAM per GPU from "… PCIe 24GB" or "…-24gb". */
export function vramFromName(...names: (string | null | undefined)[]): number | undefined {
  for (const name of names) {
    const m = /(\d+)\s*gb\b/i.exec(name ?? '');
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** provider_offer_id `<location uuid>/<v0Name>`, or the offer id `tensordock-<location uuid>-<v0Name>`. */
function tensorDockOfferParts(offer: Pick<Offer, 'id' | 'provider_offer_id'>): {
  locationId: string;
  v0Name: string;
} {
  const own = offer.provider_offer_id?.trim() ?? '';
  const slash = own.indexOf('/');
  if (slash > 0 && slash < own.length - 1) return { locationId: own.slice(0, slash), v0Name: own.slice(slash + 1) };
  const rest = offer.id.trim().replace(/^tensordock-/i, '');
  if (rest.length > UUID_LENGTH + 1 && rest[UUID_LENGTH] === '-') {
    return { locationId: rest.slice(0, UUID_LENGTH), v0Name: rest.slice(UUID_LENGTH + 1) };
  }
  throw new InvalidProviderRequestError('not a TensorDock offer id (tensordock-{location uuid}-{gpu})', {
    offer_id: offer.id.slice(0, 120),
  });
}

function instancePath(instanceId: string): string {
  const id = instanceId.trim();
  // ids are UUIDs; anything that could walk the path is refused before it reaches a URL
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id)) {
    throw new InvalidProviderRequestError('not a TensorDock instance id', { instance_id: id.slice(0, 40) });
  }
  return `/instances/${id}`;
}

/** The message in whatever error shape TensorDock chose: {error}, {message}, [{message}], {errors:[…]}, text. */
function errorText(res: ProviderResponse): string {
  const json = res.json;
  const messages: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') messages.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (isRecord(value)) {
      for (const key of ['error', 'message', 'msg', 'detail', 'errors']) if (key in value) collect(value[key]);
    }
  };
  collect(json);
  return messages.length > 0 ? messages.join('; ') : res.text;
}

/** A 2xx whose body says it failed: {"status":400,"error":"…"}. */
function embeddedStatus(res: ProviderResponse): number | undefined {
  if (res.status >= 300 || !isRecord(res.json)) return undefined;
  const status = Number(res.json['status']);
  if (Number.isInteger(status) && status >= 400) return status;
  if (typeof res.json['error'] === 'string' && !('data' in res.json)) return 400;
  return undefined;
}

export class TensorDockClient implements ProviderClient {
  readonly name = 'tensordock' as const;
  readonly baseUrl: string;
  private readonly http: ProviderHttp;
  private readonly image: string;
  private readonly vcpus: number;
  private readonly ramGb: number;
  private readonly storageGb: number;
  private readonly now: () => Date;
  private readonly unauthorizedBackoff: BackoffOptions;
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(options: TensorDockClientOptions) {
    this.http = new ProviderHttp({
      provider: 'tensordock',
      baseUrl: options.baseUrl ?? TENSORDOCK_DEFAULT_URL,
      credential: options.apiToken,
      limiter: options.limiter ?? new TokenBucket({ ratePerSecond: 1.5, burst: 3 }),
      ...options.http,
    });
    this.baseUrl = this.http.baseUrl;
    this.image = options.image ?? 'ubuntu2204';
    this.vcpus = options.vcpus ?? 8;
    this.ramGb = options.ramGb ?? 32;
    this.storageGb = Math.max(MIN_STORAGE_GB, options.storageGb ?? MIN_STORAGE_GB);
    this.now = options.now ?? (() => new Date());
    this.unauthorizedBackoff = options.unauthorizedBackoff ?? DEFAULT_UNAUTHORIZED_BACKOFF;
    this.sleep = options.http?.sleep ?? sleep;
    this.random = options.http?.random ?? Math.random;
  }

  /**
   * The HTTP layer's send, asking again (a bounded number of times, with backoff) after a 401: TensorDock answered
   * `401 Unauthorized` to creates made concurrently with credentials that worked before and after (reference
   * provider-apis.md §2.1, live bug #62). A 401 means the request was refused, not acted on, so even a create may be
   * sent again. Still 401 after that: the token is bad, and the caller sees ProviderAuthError.
   */
  private async send(request: ProviderRequest): Promise<ProviderResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.http.send(request);
      if (res.status !== 401 || attempt >= this.unauthorizedBackoff.retries || request.signal?.aborted) return res;
      const delayMs = backoffDelayMs(attempt, this.unauthorizedBackoff, this.random);
      logger.warn('TensorDock answered 401; asking again before taking it for a bad token', {
        provider: 'tensordock',
        operation: request.operation,
        delay_ms: Math.round(delayMs),
      });
      await this.sleep(delayMs, request.signal);
    }
  }

  async listOffers(options: { signal?: AbortSignal } = {}): Promise<Offer[]> {
    const res = await this.send({
      method: 'GET',
      path: '/locations',
      operation: 'list locations',
      timeoutMs: 30_000,
      idempotent: true,
      signal: options.signal,
    });
    if (res.status >= 300 || embeddedStatus(res)) throw this.error('list locations', res);
    const json = res.json;
    const locations = isRecord(json)
      ? isRecord(json['data']) && Array.isArray(json['data']['locations'])
        ? json['data']['locations']
        : Array.isArray(json['locations'])
          ? json['locations']
          : undefined
      : undefined;
    if (!locations) throw this.malformed('list locations', res);
    const fetchedAt = this.now().toISOString();
    const offers: Offer[] = [];
    let skipped = 0;
    for (const item of locations) {
      const location = Location.safeParse(item);
      if (!location.success) {
        skipped++;
        continue;
      }
      const loc = location.data;
      for (const rawGpu of loc.gpus) {
        const parsed = Gpu.safeParse(rawGpu);
        if (!parsed.success) {
          skipped++;
          continue;
        }
        const offer = this.toOffer(loc, parsed.data, fetchedAt);
        if (offer) offers.push(offer);
      }
    }
    if (skipped > 0) logger.warn('skipped malformed TensorDock locations or GPUs', { provider: 'tensordock', skipped });
    return offers;
  }

  private toOffer(loc: z.infer<typeof Location>, gpu: z.infer<typeof Gpu>, fetchedAt: string): Offer | undefined {
    if (gpu.max_count != null && gpu.max_count < 1) return undefined;
    // every VM is created with a dedicated IP (forwards are ignored at some locations)
    if (gpu.network_features?.dedicated_ip_available === false) return undefined;
    const limits = gpu.resources;
    const vcpus = Math.min(this.vcpus, limits?.max_vcpus ?? this.vcpus);
    const ramGb = Math.min(this.ramGb, limits?.max_ram_gb ?? this.ramGb);
    if (limits?.max_storage_gb != null && limits.max_storage_gb < this.storageGb) return undefined;
    if (vcpus < 1 || ramGb < 1) return undefined;
    const pricing = gpu.pricing;
    // price_per_hr is the GPU alone; the VM's vCPUs, RAM and disk are billed on top. The disk is kept apart so the
    // offer can be re-priced for the workload's disk (create asks for max(storageGb, disk))
    const base = gpu.price_per_hr + vcpus * (pricing?.per_vcpu_hr ?? 0) + ramGb * (pricing?.per_gb_ram_hr ?? 0);
    const perGbHour = pricing?.per_gb_storage_hr ?? 0;
    const price = base + this.storageGb * perGbHour;
    const tier = loc.tier ?? 0;
    return {
      id: `tensordock-${loc.id}-${gpu.v0Name}`,
      provider: 'tensordock',
      provider_offer_id: `${loc.id}/${gpu.v0Name}`,
      gpu_type: gpu.displayName?.trim() ? normalizeGpuName(gpu.displayName) : gpuNameFromV0Name(gpu.v0Name),
      // create asks for one GPU, so that is what is offered (max_count is only an upper bound)
      gpu_count: 1,
      vram_gb: vramFromName(gpu.displayName, gpu.v0Name) ?? 0,
      price_per_hour: Math.round(price * 1e6) / 1e6,
      base_price_per_hour: Math.round(base * 1e9) / 1e9,
      disk_price_per_gb_hour: perGbHour,
      listed_disk_gb: this.storageGb,
      min_disk_gb: this.storageGb,
      ...(limits?.max_storage_gb != null ? { max_disk_gb: limits.max_storage_gb } : {}),
      location: tensorDockLocation([loc.city, loc.stateprovince, loc.country]),
      // tiers go up to 4 in live data
      reliability: Math.min(1, Math.max(0, tier / 3)),
      host_id: `tensordock-location-${loc.id}`,
      cpu_cores: vcpus,
      ram_gb: ramGb,
      disk_gb: this.storageGb,
      fetched_at: fetchedAt,
    };
  }

  async createInstance(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const { locationId, v0Name } = tensorDockOfferParts(request.offer);
    const keys = checkPublicKeys(request.ssh_public_keys);
    if (keys.length === 0)
      throw new InvalidProviderRequestError('TensorDock needs an SSH key', { field: 'ssh_public_keys' });
    const body = {
      data: {
        type: 'virtualmachine',
        attributes: {
          name: request.label,
          type: 'virtualmachine',
          image: request.image ?? this.image,
          location_id: locationId,
          resources: {
            vcpu_count: request.offer.cpu_cores ?? this.vcpus,
            ram_gb: request.offer.ram_gb ?? this.ramGb,
            storage_gb: Math.max(this.storageGb, request.disk_gb),
            gpus: { [v0Name]: { count: 1 } },
          },
          // all ports on the VM's own IP: requested forwards were silently ignored at some locations
          useDedicatedIp: true,
          ssh_key: keys[0],
          cloud_init: { runcmd: this.runcmd(keys, this.onStart(request)) },
        },
      },
    };
    const res = await this.send({
      method: 'POST',
      path: '/instances',
      body,
      operation: 'create instance',
      pacedSlotAt: request.paced_slot_at,
      timeoutMs: 120_000, // creates regularly took longer than 60 s
      idempotent: false,
    });
    if (res.status < 300 && !embeddedStatus(res)) {
      const json = res.json;
      const data = isRecord(json) && isRecord(json['data']) ? json['data'] : json;
      const id = isRecord(data) && typeof data['id'] === 'string' ? data['id'].trim() : '';
      if (id) return { instance_id: id, created_at: new Date().toISOString() };
      // it may exist all the same; a retry finds it by its name
      throw new ProviderUnavailableError(
        `tensordock create instance: no instance id in the answer: ${this.http.snippet(res.text)}`,
        {
          provider: 'tensordock',
          http_status: res.status,
        },
      );
    }
    const message = errorText(res);
    if (CAPACITY.test(message) || (res.status === 404 && !embeddedStatus(res))) {
      throw new OfferUnavailableError(`tensordock offer unavailable: ${this.http.snippet(message)}`, {
        provider: 'tensordock',
        offer_id: request.offer.id,
        http_status: embeddedStatus(res) ?? res.status,
      });
    }
    throw this.error('create instance', res);
  }

  /**
   * What runs after the keys: the consumer's own command, or in entrypoint mode the workload's image started with
   * Docker and the NVIDIA container toolkit (installed when the OS image lacks them), its port published as itself.
   */
  private onStart(request: CreateInstanceRequest): string[] {
    if (request.on_start?.trim()) return [request.on_start];
    if (request.launch_mode !== 'entrypoint' || !request.image) return [];
    const ports = (request.exposed_ports ?? []).flatMap((p) => ['-p', `${p}:${p}`]);
    const [entrypoint, ...args] = request.server_command ?? [];
    const run = [
      'docker',
      'run',
      '-d',
      '--name',
      'gpu-shopper-workload',
      '--restart',
      'unless-stopped',
      '--gpus',
      'all',
      '--ipc=host',
      ...ports,
      ...(entrypoint ? ['--entrypoint', entrypoint] : []),
      request.image,
      ...args,
    ];
    return [
      'command -v docker >/dev/null 2>&1 || (curl -fsSL https://get.docker.com | sh)',
      'command -v nvidia-ctk >/dev/null 2>&1 || (curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg && curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list | sed "s#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g" > /etc/apt/sources.list.d/nvidia-container-toolkit.list && apt-get update && apt-get install -y -o DPkg::Lock::Timeout=120 nvidia-container-toolkit)',
      'nvidia-ctk runtime configure --runtime=docker && systemctl restart docker',
      run.map(shellQuote).join(' '),
    ];
  }

  /** cloud-init commands that install every key for root and for the default `user` account. */
  private runcmd(keys: string[], onStart: string[]): string[] {
    const quoted = keys.map(shellQuote).join(' ');
    const commands: string[] = [];
    for (const [home, owner] of [
      ['/root', 'root'],
      ['/home/user', 'user'],
    ] as const) {
      commands.push(
        `mkdir -p ${home}/.ssh`,
        `chmod 700 ${home}/.ssh`,
        `printf '%s\\n' ${quoted} >> ${home}/.ssh/authorized_keys`,
        `chmod 600 ${home}/.ssh/authorized_keys`,
        `chown -R ${owner}:${owner} ${home}/.ssh`,
      );
    }
    commands.push(...onStart);
    return commands;
  }

  async getInstance(instanceId: string): Promise<Instance> {
    const res = await this.send({
      method: 'GET',
      path: instancePath(instanceId),
      operation: 'get instance',
      timeoutMs: 15_000,
      idempotent: true,
    });
    const status = embeddedStatus(res) ?? res.status;
    if (status === 404) {
      throw new InstanceNotFoundError(`tensordock instance ${instanceId.trim()} not found`, {
        provider: 'tensordock',
        instance_id: instanceId.trim(),
      });
    }
    if (status >= 300) throw this.error('get instance', res);
    const json = res.json;
    // documented flat; tolerate {data:{…}} and JSON:API attributes too
    const data = isRecord(json) && isRecord(json['data']) && !('id' in json) ? json['data'] : json;
    const parsed = TdInstanceSchema.safeParse(flatten(data));
    if (!parsed.success) throw this.malformed('get instance', res);
    return toInstance(parsed.data);
  }

  async listInstances(): Promise<Instance[]> {
    const res = await this.send({
      method: 'GET',
      path: '/instances',
      operation: 'list instances',
      timeoutMs: 30_000,
      idempotent: true,
    });
    if (res.status >= 300 || embeddedStatus(res)) throw this.error('list instances', res);
    const items = listItems(res.json);
    if (!items) throw this.malformed('list instances', res);
    return items.map((item) => {
      const parsed = TdInstanceSchema.safeParse(flatten(item));
      // an unreadable item makes the listing incomplete, and an incomplete listing must not be used
      if (!parsed.success) throw this.malformed('list instances', res);
      return toInstance(parsed.data);
    });
  }

  async destroyInstance(instanceId: string): Promise<void> {
    const res = await this.send({
      method: 'DELETE',
      path: instancePath(instanceId),
      operation: 'destroy instance',
      timeoutMs: 30_000,
      idempotent: true,
    });
    const status = embeddedStatus(res) ?? res.status;
    if (status === 404) return; // already gone
    if (status >= 300) throw this.error('destroy instance', res);
  }

  private error(operation: string, res: ProviderResponse): Error {
    const embedded = embeddedStatus(res);
    const effective = embedded !== undefined ? { ...res, status: embedded } : res;
    return this.http.errorFor(operation, effective);
  }

  private malformed(operation: string, res: ProviderResponse): ProviderUnavailableError {
    return new ProviderUnavailableError(`tensordock ${operation}: unexpected answer: ${this.http.snippet(res.text)}`, {
      provider: 'tensordock',
      operation,
      http_status: res.status,
    });
  }
}

/** The list in any of the envelopes seen: {data:[…]}, {data:{instances:[…]}}, {data:{attributes:{instances:[…]}}}. */
function listItems(json: unknown): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  if (!isRecord(json)) return undefined;
  const data = json['data'];
  if (Array.isArray(data)) return data;
  if (isRecord(data)) {
    if (Array.isArray(data['instances'])) return data['instances'];
    const attributes = data['attributes'];
    if (isRecord(attributes) && Array.isArray(attributes['instances'])) return attributes['instances'];
  }
  if (Array.isArray(json['instances'])) return json['instances'];
  return undefined;
}

/** JSON:API items keep name and status under `attributes`; flat items have them at the top. */
function flatten(item: unknown): unknown {
  if (!isRecord(item) || !isRecord(item['attributes'])) return item;
  return { ...item['attributes'], id: item['id'] ?? item['attributes']['id'], type: item['type'] };
}
