// Vast.ai templates: a stored launch configuration (image, env with port mappings, on-start script, runtype) plus
// the host requirements (`extra_filters`, in Vast's search syntax) the template was built for.
import { gpuKey, type Offer } from './offer.ts';

const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notin'] as const;
type FilterOp = (typeof FILTER_OPS)[number];
type FilterValue = string | number | boolean | null | (string | number | boolean | null)[];
/** `{"cuda_max_good": {"gte": 12.1}, "gpu_ram": {"gte": 16000}}` */
type ExtraFilters = Record<string, Partial<Record<FilterOp, FilterValue>>>;

export interface Template {
  hash_id: string;
  id?: number;
  name: string;
  image: string;
  tag?: string;
  /** Docker flags, e.g. "-e HF_HOME=/workspace -p 8000:8000" */
  env?: string;
  onstart?: string;
  runtype?: string;
  args_str?: string;
  use_ssh?: boolean;
  ssh_direct?: boolean;
  recommended: boolean;
  /** GB */
  recommended_disk_space?: number;
  extra_filters: ExtraFilters;
  count_created?: number;
  /** ISO time */
  created_at?: string;
}

/** The image reference a template launches: `image:tag` unless the image already names a tag or digest. */
export function templateImage(t: Pick<Template, 'image' | 'tag'>): string {
  const image = t.image.trim();
  const tag = t.tag?.trim();
  const last = image.slice(image.lastIndexOf('/') + 1);
  if (!tag || last.includes(':') || image.includes('@')) return image;
  return `${image}:${tag}`;
}

/** Container ports a template publishes for its workload (`-p 8000:8000`, `-p 8080:8080/tcp`), in order; 22 is SSH. */
export function templatePorts(t: Pick<Template, 'env'>): number[] {
  const ports: number[] = [];
  for (const m of (t.env ?? '').matchAll(/(?:^|\s)-p\s+(?:[\d.]+:)?(?:\d+:)?(\d+)(?:\/tcp)?(?=\s|$)/g)) {
    const port = Number(m[1]);
    if (port > 0 && port < 65536 && port !== 22 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * An offer's properties under Vast's search names, as far as the normalised offer knows them. Whatever is not
 * known here (compute_cap, driver_version, static_ip, …) is absent, and an absent property never fails a match.
 */
export function offerProperties(offer: Offer): Record<string, string | number | boolean> {
  const props: Record<string, string | number | boolean> = {
    num_gpus: offer.gpu_count,
    gpu_name: offer.gpu_type,
    // Vast reports MB; the offer keeps whole GB, so this is within 0.5 GB of the host's figure
    gpu_ram: offer.vram_gb * 1024,
    gpu_total_ram: offer.vram_gb * offer.gpu_count * 1024,
    reliability2: offer.reliability,
    reliability: offer.reliability,
    dph_total: offer.price_per_hour,
  };
  if (offer.cuda_version !== undefined) props['cuda_max_good'] = offer.cuda_version;
  if (offer.disk_gb !== undefined) props['disk_space'] = offer.disk_gb;
  if (offer.cpu_cores !== undefined) props['cpu_cores_effective'] = offer.cpu_cores;
  if (offer.ram_gb !== undefined) props['cpu_ram'] = offer.ram_gb * 1024;
  if (offer.inet_down_mbps !== undefined) props['inet_down'] = offer.inet_down_mbps;
  // geolocation filters name country codes; locations read "California, US"
  const country = offer.location.split(',').at(-1)?.trim();
  if (country) props['geolocation'] = country;
  return props;
}

export interface FilterMismatch {
  field: string;
  op: FilterOp;
  expected: FilterValue;
  actual: string | number | boolean;
}

interface Compatibility {
  compatible: boolean;
  mismatches: FilterMismatch[];
}

/** Does the offer meet the template's `extra_filters`? Unknown operators and properties the offer lacks pass. */
export function templateCompatibility(template: Pick<Template, 'extra_filters'>, offer: Offer): Compatibility {
  const props = offerProperties(offer);
  const mismatches: FilterMismatch[] = [];
  for (const [field, conditions] of Object.entries(template.extra_filters)) {
    const actual = props[field];
    if (actual === undefined) continue;
    for (const op of FILTER_OPS) {
      const expected = conditions[op];
      if (expected === undefined) continue;
      if (!holds(field, actual, op, expected)) mismatches.push({ field, op, expected, actual });
    }
  }
  return { compatible: mismatches.length === 0, mismatches };
}

function holds(field: string, actual: string | number | boolean, op: FilterOp, expected: FilterValue): boolean {
  const same = (a: unknown, b: unknown) => equal(field, a, b);
  switch (op) {
    case 'eq':
      return same(actual, expected);
    case 'neq':
      return !same(actual, expected);
    case 'in':
      return Array.isArray(expected) ? expected.some((e) => same(actual, e)) : same(actual, expected);
    case 'notin':
      return Array.isArray(expected) ? !expected.some((e) => same(actual, e)) : !same(actual, expected);
    default: {
      const a = toNumber(actual);
      const e = toNumber(expected);
      // a bound that is not a number cannot be checked here; the provider checks it at create
      if (a === undefined || e === undefined) return true;
      return op === 'gt' ? a > e : op === 'gte' ? a >= e : op === 'lt' ? a < e : a <= e;
    }
  }
}

function equal(field: string, a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b || String(a) === String(b);
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  const sa = String(a ?? '');
  const sb = String(b ?? '');
  // Vast spells GPU names with underscores in queries ("RTX_4090")
  if (field === 'gpu_name') return gpuKey(sa) === gpuKey(sb);
  return sa.toLowerCase() === sb.toLowerCase();
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Vast sends `extra_filters` as an object or as a JSON string of one; anything else means no requirements. */
export function parseExtraFilters(raw: unknown): ExtraFilters {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: ExtraFilters = {};
  for (const [field, conditions] of Object.entries(value as Record<string, unknown>)) {
    if (!conditions || typeof conditions !== 'object' || Array.isArray(conditions)) continue;
    const kept: Partial<Record<FilterOp, FilterValue>> = {};
    for (const op of FILTER_OPS) {
      const v = (conditions as Record<string, unknown>)[op];
      if (isFilterValue(v)) kept[op] = v;
    }
    if (Object.keys(kept).length > 0) out[field] = kept;
  }
  return out;
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function isFilterValue(v: unknown): v is FilterValue {
  return isScalar(v) || (Array.isArray(v) && v.every(isScalar));
}
