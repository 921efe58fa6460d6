// Vast.ai adapter (https://console.vast.ai/api/v0). Facts it relies on: offers come from POST /bundles/ with the
// official CLI's default filters, a page at a time, a create is PUT /asks/{id}/ and keys are attached per instance
// afterwards (the SSH login, not the key listing, proves they work), GET of a gone instance answers
// 200 {"instances":null}, the instance list is the paginated v1 one (v0 is retired), and 429s carry no Retry-After.
import * as z from 'zod';
import type { Instance } from '../../../domain/instance.ts';
import { normalizeGpuName, type Offer } from '../../../domain/offer.ts';
import { HOURS_PER_MONTH } from '../../../domain/offer-pricing.ts';
import type { Template } from '../../../domain/template.ts';
import {
  InstanceNotFoundError,
  InvalidProviderRequestError,
  OfferUnavailableError,
  ProviderAuthError,
  ProviderUnavailableError,
  withCreatedInstance,
} from '../../../domain/provider-errors.ts';
import { logger } from '../../../observability/powertools.ts';
import type { CreatedInstance, CreateInstanceRequest, ProviderClient } from '../../../ports/provider.ts';
import type { TemplateSource } from '../../../ports/templates.ts';
import { deepTrim, isRecord, ProviderHttp, type ProviderHttpOptions, type ProviderResponse } from '../http.ts';
import { PerOperationLimiter, type RequestLimiter } from '../rate-limiter.ts';
import { checkPublicKeys, publicKeyBody } from '../ssh-keys.ts';
import { instancePath, toInstance } from './instance.ts';
import { serverScript } from './on-start.ts';
import { ListPage, type VastOfferItem, VastInstanceSchema, VastOffer, VastTemplateSchema } from './schemas.ts';
import { toTemplate } from './templates.ts';

const VASTAI_DEFAULT_URL = 'https://console.vast.ai/api/v0';
const DEFAULT_IMAGE = 'nvidia/cuda:12.6.3-runtime-ubuntu22.04';
const MIN_DISK_GB = 8;
const MAX_LABEL = 256;
const MAX_PAGES = 1000;
/** the largest offer page asked for at once: the search answers a bounded page, and the rest is paged for */
export const MAX_OFFER_PAGE = 3000;
/** 20 pages of 3,000 is several times the whole marketplace: more means the paging is not advancing */
const MAX_OFFER_PAGES = 20;
/**
 * The official CLI's default search filters (vast-ai CLI (vast.py) search offers defaults): verified, not external
 * (hosts outside Vast's own network), rentable and not rented. `type: on-demand` keeps interruptible asks out.
 */
const CLI_DEFAULT_FILTERS = {
  verified: { eq: true },
  external: { eq: false },
  rentable: { eq: true },
  rented: { eq: false },
} as const;

interface VastAiClientOptions {
  apiKey: string;
  baseUrl?: string;
  /** default: about 1 request/s per endpoint with a burst of 2 (Vast limits each endpoint with a minimum interval) */
  limiter?: RequestLimiter;
  /** test seams and tuning for the HTTP layer */
  http?: Pick<ProviderHttpOptions, 'fetch' | 'sleep' | 'random' | 'rateLimitBackoff' | 'transientBackoff'>;
  defaultImage?: string;
  /** offers asked for per search page (at most MAX_OFFER_PAGE); a full page means there may be more */
  offerPageSize?: number;
  /** disk the offer prices include (`allocated_storage`); dph_total depends on it */
  allocatedStorageGb?: number;
  now?: () => Date;
}

/** `vastai-29907796` (any case, surrounding space) or the bare ask id. */
function vastAskId(offer: Pick<Offer, 'id' | 'provider_offer_id'>): string {
  const candidate = (offer.provider_offer_id || offer.id).trim().replace(/^vastai-/i, '');
  if (!/^\d{1,18}$/.test(candidate)) {
    throw new InvalidProviderRequestError('not a Vast.ai offer id', { offer_id: offer.id.slice(0, 80) });
  }
  return candidate;
}

export class VastAiClient implements ProviderClient, TemplateSource {
  readonly name = 'vastai' as const;
  readonly baseUrl: string;
  private readonly http: ProviderHttp;
  private readonly v1Base: string;
  private readonly defaultImage: string;
  private readonly offerPageSize: number;
  private readonly allocatedStorageGb: number;
  private readonly now: () => Date;

  constructor(options: VastAiClientOptions) {
    this.http = new ProviderHttp({
      provider: 'vastai',
      baseUrl: options.baseUrl ?? VASTAI_DEFAULT_URL,
      credential: options.apiKey,
      limiter: options.limiter ?? new PerOperationLimiter({ ratePerSecond: 1, burst: 2 }),
      ...options.http,
    });
    this.baseUrl = this.http.baseUrl;
    this.v1Base = /\/api\/v0$/.test(this.baseUrl)
      ? this.baseUrl.replace(/\/api\/v0$/, '/api/v1')
      : `${new URL(this.baseUrl).origin}/api/v1`;
    this.defaultImage = options.defaultImage ?? DEFAULT_IMAGE;
    this.offerPageSize = Math.max(1, Math.min(MAX_OFFER_PAGE, Math.floor(options.offerPageSize ?? MAX_OFFER_PAGE)));
    this.allocatedStorageGb = options.allocatedStorageGb ?? 50;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Every offer, a bounded page at a time. Pages are keyed on the ask id (`id > last`, ascending) with the same
   * filter syntax as the rest of the query, so paging needs nothing beyond the documented search; a page shorter
   * than asked for is the last one.
   */
  async listOffers(options: { signal?: AbortSignal } = {}): Promise<Offer[]> {
    const items: unknown[] = [];
    const seen = new Set<number>();
    let after: number | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_OFFER_PAGES) {
        throw new ProviderUnavailableError(`vastai search offers: more than ${MAX_OFFER_PAGES} pages`, { provider: 'vastai' });
      }
      const res = await this.http.send({
        method: 'POST',
        path: '/bundles/',
        body: {
          ...CLI_DEFAULT_FILTERS,
          ...(after !== undefined ? { id: { gt: after } } : {}),
          type: 'on-demand',
          order: [['id', 'asc']],
          limit: this.offerPageSize,
          allocated_storage: this.allocatedStorageGb,
        },
        operation: 'search offers',
        timeoutMs: 30_000,
        idempotent: true, // a search has no side effects
        signal: options.signal,
      });
      if (res.status >= 300) throw this.error('search offers', res);
      const body = z.looseObject({ offers: z.array(z.unknown()) }).safeParse(res.json);
      if (!body.success) throw this.malformed('search offers', res);
      let added = 0;
      for (const item of body.data.offers) {
        const id = isRecord(item) && typeof item['id'] === 'number' ? item['id'] : undefined;
        if (id !== undefined) {
          if (seen.has(id)) continue;
          seen.add(id);
          after = Math.max(after ?? id, id);
        }
        items.push(item);
        added++;
      }
      if (body.data.offers.length < this.offerPageSize) break;
      // a full page that brought nothing new: the answer ignores the id filter, and asking again would loop
      if (added === 0 || after === undefined) {
        logger.warn('Vast.ai offer paging did not advance; using what was read', { provider: 'vastai', offers: items.length });
        break;
      }
    }
    return this.toOffers(items);
  }

  private toOffers(items: unknown[]): Offer[] {
    const fetchedAt = this.now().toISOString();
    const offers: Offer[] = [];
    let skipped = 0;
    for (const item of items) {
      const parsed = VastOffer.safeParse(deepTrim(item));
      if (!parsed.success) {
        skipped++;
        continue;
      }
      const o = parsed.data;
      if (o.rentable === false || o.rented === true) continue;
      offers.push({
        id: `vastai-${o.id}`,
        provider: 'vastai',
        provider_offer_id: String(o.id),
        gpu_type: normalizeGpuName(o.gpu_name),
        gpu_count: o.num_gpus,
        vram_gb: Math.round(o.gpu_ram / 1024),
        price_per_hour: o.dph_total,
        ...this.pricing(o),
        location: o.geolocation ?? '',
        reliability: clamp01(o.reliability2 ?? o.reliability ?? 0),
        cuda_version: parseCuda(o.cuda_max_good),
        host_id: o.machine_id != null ? `vastai-machine-${o.machine_id}` : undefined,
        cpu_cores: o.cpu_cores_effective ?? o.cpu_cores ?? undefined,
        ram_gb: o.cpu_ram != null ? Math.round(o.cpu_ram / 1024) : undefined,
        disk_gb: o.disk_space ?? undefined,
        max_disk_gb: o.disk_space ?? undefined,
        inet_down_mbps: o.inet_down ?? undefined,
        ...(o.direct_port_count != null ? { direct_port_count: Math.max(0, o.direct_port_count) } : {}),
        fetched_at: fetchedAt,
      });
    }
    if (skipped > 0) logger.warn('skipped malformed Vast.ai offers', { provider: 'vastai', skipped });
    return offers;
  }

  /**
   * What re-prices the offer for another disk. dph_total is dph_base plus storage for the `allocated_storage` the
   * search asked for (storage_cost is $/GB-month, billed per hour as ÷ 720). Vast bills dph_base plus the storage
   * of the disk the instance is created with, so dph_base is the base; without it, dph_total less the storage it
   * included. Bandwidth ($/GB) is billed apart and only its rates are known.
   */
  private pricing(o: VastOfferItem): Partial<Offer> {
    const bandwidth = {
      ...(o.inet_down_cost != null ? { inet_down_price_per_gb: o.inet_down_cost } : {}),
      ...(o.inet_up_cost != null ? { inet_up_price_per_gb: o.inet_up_cost } : {}),
    };
    if (o.storage_cost == null) return { listed_disk_gb: this.allocatedStorageGb, ...bandwidth };
    const perGbHour = o.storage_cost / HOURS_PER_MONTH;
    const base = o.dph_base ?? Math.max(0, o.dph_total - perGbHour * this.allocatedStorageGb);
    return {
      base_price_per_hour: Math.round(base * 1e9) / 1e9,
      disk_price_per_gb_hour: perGbHour,
      listed_disk_gb: this.allocatedStorageGb,
      // create raises a smaller disk to this, and Vast bills what it creates
      min_disk_gb: MIN_DISK_GB,
      ...bandwidth,
    };
  }

  async createInstance(request: CreateInstanceRequest): Promise<CreatedInstance> {
    const askId = vastAskId(request.offer);
    const keys = checkPublicKeys(request.ssh_public_keys);
    if (request.label.length > MAX_LABEL) {
      throw new InvalidProviderRequestError(`label longer than ${MAX_LABEL} characters`, { field: 'label' });
    }
    const env: Record<string, string> = { ...request.env };
    for (const port of request.exposed_ports ?? []) env[`-p ${port}:${port}`] = '1';
    const template = request.template_hash_id?.trim() || undefined;
    const ssh = request.ssh !== false;
    const onstart = request.on_start ?? (request.server_command ? serverScript(request.server_command) : undefined);
    // `price` is deliberately absent: sending it makes the instance interruptible
    const body: Record<string, unknown> = {
      client_id: 'me',
      label: request.label,
      disk: Math.max(MIN_DISK_GB, request.disk_gb),
      env,
      ...(onstart ? { onstart } : {}),
      ...(template ? { template_hash_id: template } : { image: request.image ?? this.defaultImage }),
    };
    // A template carries its own launch (runtype, ports, SSH); the official CLI sends no runtype with one, and forcing
    // the proxy here made a template's published ports unreachable. Without one: direct SSH where the host has direct
    // ports (proxy otherwise), or the image's own entrypoint alone (`args`), its ports mapped directly.
    if (!template) body['runtype'] = ssh ? 'ssh_direc ssh_proxy' : 'args';
    if (template && request.image) body['image'] = request.image;

    const res = await this.http.send({
      method: 'PUT',
      path: `/asks/${askId}/`,
      body,
      operation: 'create instance',
      pacedSlotAt: request.paced_slot_at,
      timeoutMs: 60_000,
      idempotent: false,
    });
    const createdAt = new Date().toISOString();
    const json = isRecord(res.json) ? res.json : {};
    const contract = Number(json['new_contract']);
    // success:false with new_contract>0 still means an instance exists (seen on bids)
    if (res.status < 300 && Number.isInteger(contract) && contract > 0) {
      const instanceId = String(contract);
      try {
        await this.attachKeys(instanceId, keys);
      } catch (err) {
        // an instance nobody can log into is of no use: destroy it, and say what was made (and when it went)
        const destroyedAt = await this.destroyInstance(instanceId).then(
          () => new Date().toISOString(),
          (destroyErr: unknown) => {
            // the label still marks it as ours: the reconciler destroys it if nothing else does
            logger.error('could not destroy a Vast.ai instance whose keys failed to attach', {
              provider: 'vastai',
              instance_id: instanceId,
              error: (destroyErr as Error).message,
            });
            return undefined;
          },
        );
        throw withCreatedInstance(err, { instance_id: instanceId, created_at: createdAt, destroyed_at: destroyedAt });
      }
      return { instance_id: instanceId, created_at: createdAt };
    }
    if (/no_such_ask/i.test(res.text)) {
      throw new OfferUnavailableError(`vastai offer ${askId} is no longer available`, {
        provider: 'vastai',
        offer_id: request.offer.id,
        http_status: res.status,
      });
    }
    if (res.status === 404 && !isAuthFailure(res)) {
      throw new OfferUnavailableError(`vastai offer ${askId} not found`, {
        provider: 'vastai',
        offer_id: request.offer.id,
        http_status: 404,
      });
    }
    if (res.status < 300) {
      throw new InvalidProviderRequestError(
        `vastai create instance: no instance id in the answer: ${this.http.snippet(res.text)}`,
        {
          provider: 'vastai',
          http_status: res.status,
        },
      );
    }
    throw this.error('create instance', res);
  }

  /** The recommended templates (`GET /template/`); malformed entries are skipped, never the whole answer. */
  async listTemplates(options: { signal?: AbortSignal } = {}): Promise<Template[]> {
    const res = await this.http.send({
      method: 'GET',
      path: '/template/',
      // the official CLI (vast.py search templates) always sends select_cols; without it the answer may omit columns
      query: { select_cols: JSON.stringify(['*']), select_filters: JSON.stringify({ recommended: { eq: true } }) },
      operation: 'list templates',
      timeoutMs: 30_000,
      idempotent: true,
      signal: options.signal,
    });
    if (res.status >= 300) throw this.error('list templates', res);
    const body = z.looseObject({ templates: z.array(z.unknown()) }).safeParse(res.json);
    if (!body.success) throw this.malformed('list templates', res);
    const templates: Template[] = [];
    let skipped = 0;
    for (const item of body.data.templates) {
      const parsed = VastTemplateSchema.safeParse(deepTrim(item));
      if (parsed.success) templates.push(toTemplate(parsed.data));
      else skipped++;
    }
    if (skipped > 0) logger.warn('skipped malformed Vast.ai templates', { provider: 'vastai', skipped });
    return templates;
  }

  async getInstance(instanceId: string): Promise<Instance> {
    const res = await this.http.send({
      method: 'GET',
      path: instancePath(instanceId),
      query: { owner: 'me' },
      operation: 'get instance',
      timeoutMs: 15_000,
      idempotent: true,
    });
    if (res.status === 404 && !isAuthFailure(res)) throw this.notFound(instanceId);
    if (res.status >= 300) throw this.error('get instance', res);
    if (!isRecord(res.json) || !('instances' in res.json)) throw this.malformed('get instance', res);
    let raw = res.json['instances'];
    if (Array.isArray(raw)) raw = raw.find((i) => isRecord(i) && String(i['id']) === instanceId.trim()) ?? null;
    if (raw == null) throw this.notFound(instanceId);
    const parsed = VastInstanceSchema.safeParse(deepTrim(raw));
    if (!parsed.success) throw this.malformed('get instance', res);
    return toInstance(parsed.data);
  }

  async listInstances(): Promise<Instance[]> {
    const instances: Instance[] = [];
    const seenTokens = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.http.send({
        method: 'GET',
        path: `${this.v1Base}/instances/`,
        query: { limit: 25, after_token: token },
        operation: 'list instances',
        timeoutMs: 30_000,
        idempotent: true,
      });
      if (res.status >= 300) throw this.error('list instances', res);
      const body = ListPage.safeParse(res.json);
      if (!body.success) throw this.malformed('list instances', res);
      for (const item of body.data.instances) {
        const parsed = VastInstanceSchema.safeParse(deepTrim(item));
        // one unreadable item makes the listing incomplete, and an incomplete listing must not be used
        if (!parsed.success) throw this.malformed('list instances', res);
        instances.push(toInstance(parsed.data));
      }
      const next = body.data.next_token?.trim();
      if (!next) return instances;
      if (seenTokens.has(next)) {
        throw new ProviderUnavailableError('vastai list instances: pagination repeated a token', {
          provider: 'vastai',
        });
      }
      seenTokens.add(next);
      token = next;
    }
    throw new ProviderUnavailableError(`vastai list instances: more than ${MAX_PAGES} pages`, { provider: 'vastai' });
  }

  async destroyInstance(instanceId: string): Promise<void> {
    const res = await this.http.send({
      method: 'DELETE',
      path: instancePath(instanceId),
      body: {},
      operation: 'destroy instance',
      timeoutMs: 30_000,
      idempotent: true,
    });
    // a 404 can also mean a bad key ("Invalid user key"), which must not pass for "already gone"
    if ((res.status === 404 && !isAuthFailure(res)) || isGoneBody(res.json)) return;
    if (res.status >= 300) throw this.error('destroy instance', res);
    if (isRecord(res.json) && res.json['success'] === false) {
      throw new InvalidProviderRequestError(`vastai destroy instance: ${this.http.snippet(res.text)}`, {
        provider: 'vastai',
        instance_id: instanceId,
      });
    }
  }

  /**
   * Attaches the keys an instance found by its label may be missing. The key listing only saves attaching again
   * what is there; when it cannot be read every key is attached (attaching twice is harmless).
   */
  async ensureSshKeys(instanceId: string, keys: string[]): Promise<void> {
    const wanted = checkPublicKeys(keys);
    const missing = (await this.missingKeys(instanceId, wanted)) ?? wanted;
    for (const key of missing) await this.attachKey(instanceId, key);
  }

  /**
   * Attaches every key, then reads the instance's key listing once as advice: a key it does not show is attached
   * again. No official client reads that listing (vast-ai CLI (vast.py) attach ssh only POSTs), and it fails or lags
   * behind while the keys already work, so neither makes the new instance a failure: the SSH login is the proof.
   */
  private async attachKeys(instanceId: string, keys: string[]): Promise<void> {
    for (const key of keys) await this.attachKey(instanceId, key);
    const missing = await this.missingKeys(instanceId, keys);
    if (missing === undefined || missing.length === 0) return;
    for (const key of missing) await this.attachKey(instanceId, key);
    logger.warn('Vast.ai key listing does not show every attached key yet; the SSH login decides', {
      provider: 'vastai',
      instance_id: instanceId,
      unlisted: missing.length,
    });
  }

  private async attachKey(instanceId: string, key: string): Promise<void> {
    const res = await this.http.send({
      method: 'POST',
      path: `${instancePath(instanceId)}ssh/`,
      body: { ssh_key: key },
      operation: 'attach ssh key',
      timeoutMs: 30_000,
      idempotent: true, // attaching the same key twice is harmless, and it is confirmed afterwards
    });
    if (res.status >= 300) throw this.error('attach ssh key', res);
    if (isRecord(res.json) && res.json['success'] === false) {
      throw new InvalidProviderRequestError(`vastai attach ssh key: ${this.http.snippet(res.text)}`, {
        provider: 'vastai',
      });
    }
  }

  /** The keys the instance's listing does not show; undefined when the listing cannot be read (it is advice only). */
  private async missingKeys(instanceId: string, keys: string[]): Promise<string[] | undefined> {
    let res: ProviderResponse;
    try {
      res = await this.http.send({
        method: 'GET',
        path: `${instancePath(instanceId)}ssh/`,
        operation: 'list instance ssh keys',
        timeoutMs: 15_000,
        idempotent: true,
      });
    } catch (err) {
      // 5xx, 429 or a timeout after the HTTP layer's own retries
      this.unreadableKeys(instanceId, (err as Error).message);
      return undefined;
    }
    if (res.status >= 300 || !isRecord(res.json)) {
      this.unreadableKeys(instanceId, `HTTP ${res.status}: ${this.http.snippet(res.text)}`);
      return undefined;
    }
    // `ssh_keys` is documented as a JSON string; accept it decoded too
    let listed = res.json['ssh_keys'];
    if (typeof listed === 'string') {
      try {
        listed = JSON.parse(listed);
      } catch {
        // a plain string: search it as is
      }
    }
    const text = JSON.stringify(listed ?? '');
    return keys.filter((key) => !text.includes(publicKeyBody(key)));
  }

  private unreadableKeys(instanceId: string, reason: string): void {
    logger.warn('Vast.ai key listing unreadable; the SSH login decides', { provider: 'vastai', instance_id: instanceId, reason });
  }

  private error(operation: string, res: ProviderResponse): Error {
    if (/no_such_ask/i.test(res.text)) {
      return new OfferUnavailableError(`vastai ${operation}: offer no longer available`, {
        provider: 'vastai',
        http_status: res.status,
      });
    }
    if (isAuthFailure(res)) {
      return new ProviderAuthError(`vastai ${operation}: HTTP ${res.status}: ${this.http.snippet(res.text)}`, {
        provider: 'vastai',
        operation,
        http_status: res.status,
      });
    }
    return this.http.errorFor(operation, res);
  }

  private notFound(instanceId: string): InstanceNotFoundError {
    return new InstanceNotFoundError(`vastai instance ${instanceId.trim()} not found`, {
      provider: 'vastai',
      instance_id: instanceId.trim(),
    });
  }

  private malformed(operation: string, res: ProviderResponse): ProviderUnavailableError {
    return new ProviderUnavailableError(`vastai ${operation}: unexpected answer: ${this.http.snippet(res.text)}`, {
      provider: 'vastai',
      operation,
      http_status: res.status,
    });
  }
}

/** Vast documents 404 "Invalid user key" for a bad or missing key on some endpoints. */
function isAuthFailure(res: ProviderResponse): boolean {
  return res.status < 500 && /invalid user key|auth_error/i.test(res.text);
}

function isGoneBody(json: unknown): boolean {
  return isRecord(json) && json['success'] === false && /not_found/i.test(String(json['error'] ?? ''));
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

function parseCuda(value: number | string | null | undefined): number | undefined {
  const n = typeof value === 'string' ? Number.parseFloat(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
