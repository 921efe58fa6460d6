// The scenario of the simulated marketplaces: which offers exist, and how their instances behave (boot delay,
// SSH faults, stops, vanishing) and how the APIs misbehave (429s, 5xx, slow listings, listing lag).
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { stableInt, stableUuid } from './random.ts';

const Seconds = z.number().nonnegative().max(86_400);
/** seconds: a number, or [min, max] for a random value in between */
const Range = z
  .union([Seconds, z.tuple([Seconds, Seconds])])
  .transform((v): [number, number] => (typeof v === 'number' ? [v, v] : v))
  .refine(([min, max]) => min <= max, 'a range [min, max] needs min ≤ max');
const Probability = z.number().min(0).max(1);

const SSH_MODES = ['ok', 'never', 'refused', 'close_early', 'reject_auth'] as const;
export type SshMode = (typeof SSH_MODES)[number];

/** what an entrypoint instance's server does: answers health checks, never listens, or answers 503 forever */
const API_MODES = ['ok', 'never', 'unhealthy'] as const;
type ApiMode = (typeof API_MODES)[number];

const BehaviourFields = {
  /** seconds from create until SSH answers */
  boot_seconds: Range.optional(),
  /**
   * ok — key login works; never — TCP accepted, no banner ever; refused — nothing listens;
   * close_early — banner, then the connection drops during the handshake; reject_auth — every key refused
   */
  ssh: z.enum(SSH_MODES).optional(),
  /** the instance stops by itself this long after create (Vast `exited`, TensorDock `stopped`) */
  stop_after_seconds: Seconds.optional(),
  /** the instance disappears this long after create (GET null/404, gone from lists) */
  vanish_after_seconds: Seconds.optional(),
  /** renting the offer removes it from the listing; later creates on it fail as "gone" */
  vanish_when_rented: z.boolean().optional(),
  /** listed, but every create answers "gone" (Vast no_such_ask, TensorDock "No available nodes") */
  unavailable: z.boolean().optional(),
  /** entrypoint instances: their server's health answers (ok), never comes up (never), or stays 503 (unhealthy) */
  api: z.enum(API_MODES).optional(),
  /** seconds from the instance running until its server answers (the model loading) */
  api_boot_seconds: Range.optional(),
  /** GPU utilisation nvidia-smi reports, percent (0: an idle GPU) */
  gpu_util: z.number().min(0).max(100).optional(),
  /** users `who` lists as logged in */
  ssh_logins: z.number().int().min(0).max(100).optional(),
};
const Behaviour = z.strictObject(BehaviourFields);

const OfferTemplate = z.strictObject({
  ...BehaviourFields,
  /** the provider's own name: "RTX 5060 Ti" on Vast.ai, "NVIDIA GeForce RTX 4090 PCIe 24GB" on TensorDock */
  gpu: z.string().min(1).max(100),
  /** GPUs per offer (Vast `num_gpus`; TensorDock `max_count`) */
  gpu_count: z.number().int().min(1).max(16).default(1),
  /** per GPU */
  vram_gb: z.number().positive().max(1024),
  /** USD/h: Vast `dph_base` (storage is added per `allocated_storage`), TensorDock `price_per_hr` (per GPU) */
  price: z.number().nonnegative().max(1000),
  /** Vast "California, US"; TensorDock "City, State, Country" */
  location: z.string().min(1).max(200),
  /** the physical host (Vast machine / TensorDock hostnode): host behaviours apply, offers on it share it */
  host: z.string().min(1).max(100).optional(),
  /** how many offers this template makes */
  count: z.number().int().min(1).max(100_000).default(1),
  /** Vast reliability2 */
  reliability: Probability.optional(),
  /** Vast cuda_max_good */
  cuda: z.number().positive().max(100).optional(),
  /** TensorDock tier (1–4) */
  tier: z.number().int().min(0).max(4).optional(),
  /** TensorDock GPU key, e.g. "geforcertx4090-pcie-24gb" (derived from `gpu` when absent) */
  v0_name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .max(100)
    .optional(),
  /** TensorDock location uuid; templates with the same one share a location */
  location_id: z.string().uuid().optional(),
  /** Vast direct_port_count: ports mapped straight onto the host's IP (0: a proxy-only host); 100 when absent */
  direct_ports: z.number().int().min(0).max(65_535).optional(),
  /** Vast `verified` (true when absent); the CLI's default search leaves unverified hosts out */
  verified: z.boolean().optional(),
  /** Vast `external` (false when absent); the CLI's default search leaves external hosts out */
  external: z.boolean().optional(),
});

const ProviderFields = {
  /** the only key accepted; any non-empty key when absent */
  api_key: z.string().min(1).optional(),
  defaults: Behaviour.prefault({}),
  hosts: z.record(z.string(), Behaviour).prefault({}),
  offers: z.array(OfferTemplate).prefault([]),
  /** chance that any API request answers 429 */
  rate_limit_probability: Probability.default(0),
  /** chance that any API request answers 5xx */
  server_error_probability: Probability.default(0),
  /** chance that a create is carried out but answered with a 502 */
  lost_create_response_probability: Probability.default(0),
  /** how long an offer listing takes */
  listing_latency_seconds: Range.prefault(0),
  /** a new instance is missing from instance lists for this long */
  listing_lag_seconds: Seconds.default(0),
};

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A Vast.ai template as GET /template/ returns it. */
const TemplateSchema = z.strictObject({
  hash_id: z.string().regex(/^[A-Za-z0-9]{8,64}$/),
  name: z.string().min(1).max(200),
  image: z.string().min(1).max(300),
  tag: z.string().max(100).optional(),
  /** docker flags: "-e A=b -p 8000:8000" */
  env: z.string().max(4000).default(''),
  onstart: z.string().max(4048).default(''),
  runtype: z.string().default('ssh'),
  args_str: z.string().max(4000).default(''),
  use_ssh: z.boolean().default(true),
  ssh_direct: z.boolean().default(true),
  recommended: z.boolean().default(true),
  recommended_disk_space: z.number().positive().max(10_000).optional(),
  extra_filters: z.record(z.string(), z.record(z.string(), z.union([Scalar, z.array(Scalar)]))).default({}),
  count_created: z.number().int().nonnegative().default(0),
});
export type SimTemplate = z.output<typeof TemplateSchema>;

const VastAiScenario = z.strictObject({
  ...ProviderFields,
  /** the templates GET /template/ serves (a few recommended ones when absent) */
  templates: z.array(TemplateSchema).optional(),
  /** status of the no_such_ask answer: 400 was observed live, 404/410 are documented */
  no_such_ask_status: z.union([z.literal(400), z.literal(404), z.literal(410)]).default(400),
  /** most instances per page of GET /api/v1/instances/ */
  page_size: z.number().int().min(1).max(25).default(25),
  /** most offers one search answers, whatever `limit` asks (a bounded page: more are paged for) */
  search_page_max: z.number().int().min(1).max(3000).default(3000),
  /**
   * GET /instances/{id}/ssh/ (the key listing): ok; error — answers 500; lagging — lists no keys although the
   * attached ones work. No official client reads it.
   */
  instance_keys: z.enum(['ok', 'error', 'lagging']).default('ok'),
});

const TensorDockScenario = z.strictObject({
  ...ProviderFields,
  /** an instance is `running` with ipAddress "" for this long */
  ip_delay_seconds: Range.prefault([2, 4]),
  /** the GET /instances envelope: data array; data.instances; JSON:API attributes (documented); list object */
  list_envelope: z.enum(['data_array', 'data_instances', 'jsonapi', 'jsonapi_list']).default('jsonapi'),
  /** how long a create takes to answer */
  create_latency_seconds: Range.prefault(0),
  /** a create arriving while another is in flight answers 401 Unauthorized (seen live, credentials unchanged) */
  unauthorized_when_concurrent: z.boolean().default(false),
});

const ScenarioSchema = z.strictObject({
  seed: z.number().int().default(1),
  vastai: VastAiScenario.prefault({}),
  tensordock: TensorDockScenario.prefault({}),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
type VastAiScenarioConfig = Scenario['vastai'];
type TensorDockScenarioConfig = Scenario['tensordock'];
type ProviderScenario = VastAiScenarioConfig | TensorDockScenarioConfig;
type TemplateConfig = ProviderScenario['offers'][number];

interface Behaviour {
  boot_seconds: [number, number];
  ssh: SshMode;
  api: ApiMode;
  api_boot_seconds: [number, number];
  stop_after_seconds?: number;
  vanish_after_seconds?: number;
  vanish_when_rented: boolean;
  unavailable: boolean;
  gpu_util: number;
  ssh_logins: number;
}

const BASE_BEHAVIOUR: Behaviour = {
  boot_seconds: [5, 15],
  ssh: 'ok',
  api: 'ok',
  api_boot_seconds: [5, 15],
  vanish_when_rented: false,
  unavailable: false,
  gpu_util: 0,
  ssh_logins: 0,
};

/** Recommended Vast.ai templates for a local market: a CUDA base, vLLM, TGI and Ollama, plus one not recommended. */
const DEFAULT_TEMPLATES: z.input<typeof TemplateSchema>[] = [
  {
    hash_id: '4e17788f74f075dd9aab7d0d4427968f',
    name: 'NVIDIA CUDA',
    image: 'nvidia/cuda',
    tag: '12.6.3-runtime-ubuntu22.04',
    env: '-p 22:22',
    recommended_disk_space: 32,
    extra_filters: { cuda_max_good: { gte: 12.6 } },
    count_created: 48_210,
  },
  {
    hash_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    name: 'vLLM (OpenAI-compatible server)',
    image: 'vllm/vllm-openai',
    tag: 'latest',
    env: '-p 8000:8000 -e HF_HOME=/workspace/hf',
    runtype: 'args',
    args_str: '--model Qwen/Qwen2.5-0.5B-Instruct --port 8000',
    use_ssh: false,
    recommended_disk_space: 80,
    extra_filters: { cuda_max_good: { gte: 12.4 }, gpu_ram: { gte: 16_000 } },
    count_created: 21_877,
  },
  {
    hash_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    name: 'Text Generation Inference',
    image: 'ghcr.io/huggingface/text-generation-inference',
    tag: '3.0',
    env: '-p 80:80',
    onstart: 'text-generation-launcher --model-id "$MODEL_ID" --port 80 &',
    recommended_disk_space: 60,
    extra_filters: { cuda_max_good: { gte: 12.2 }, gpu_ram: { gte: 23_000 }, num_gpus: { lte: 8 } },
    count_created: 9_140,
  },
  {
    hash_id: '5c6d7e8f90a1b2c3d4e5f60718293a4b',
    name: 'Ollama',
    image: 'ollama/ollama',
    tag: 'latest',
    env: '-p 11434:11434',
    onstart: 'ollama serve &',
    recommended_disk_space: 40,
    extra_filters: { gpu_ram: { gte: 8_000 } },
    count_created: 15_302,
  },
  {
    hash_id: '99887766554433221100ffeeddccbbaa',
    name: 'Legacy PyTorch 1.13',
    image: 'pytorch/pytorch',
    tag: '1.13.1-cuda11.6-cudnn8-runtime',
    recommended: false,
    extra_filters: { cuda_max_good: { lt: 12 } },
    count_created: 310,
  },
];

export function scenarioTemplates(scenario: Scenario): SimTemplate[] {
  return scenario.vastai.templates ?? DEFAULT_TEMPLATES.map((t) => TemplateSchema.parse(t));
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export function parseScenario(input: unknown): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`invalid simulator scenario:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read simulator scenario ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`simulator scenario ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseScenario(json);
}

/** One concrete offer of a simulated marketplace. */
export interface SimOffer {
  /** Vast ask id; TensorDock `<location uuid>/<v0Name>` */
  key: string;
  gpu: string;
  gpu_count: number;
  vram_gb: number;
  price: number;
  location: string;
  host: string;
  reliability: number;
  cuda: number;
  tier: number;
  /** Vast machine id */
  machine_id: number;
  /** TensorDock */
  location_id: string;
  v0_name: string;
  /** Vast direct_port_count, verified, external */
  direct_ports: number;
  verified: boolean;
  external: boolean;
  behaviour: Behaviour;
}

function behaviourOf(provider: ProviderScenario, template: TemplateConfig, host: string): Behaviour {
  const own: Partial<Behaviour> = {};
  for (const key of Object.keys(BehaviourFields) as (keyof typeof BehaviourFields)[]) {
    if (template[key] !== undefined) Object.assign(own, { [key]: template[key] });
  }
  return { ...BASE_BEHAVIOUR, ...strip(provider.defaults), ...strip(provider.hosts[host] ?? {}), ...own } as Behaviour;
}

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** "NVIDIA GeForce RTX 4090 PCIe 24GB" → "geforcertx4090-pcie-24gb" */
function deriveV0Name(gpu: string, vramGb: number): string {
  const model = gpu
    .toLowerCase()
    .replace(/^nvidia\s+/, '')
    .replace(/\b(pcie|\d+\s*gb)\b/g, '')
    .replace(/[^a-z0-9]/g, '');
  return `${model || 'gpu'}-pcie-${Math.round(vramGb)}gb`;
}

export function vastAiOffers(scenario: Scenario): SimOffer[] {
  const config = scenario.vastai;
  const offers: SimOffer[] = [];
  let index = 0;
  for (const template of config.offers) {
    for (let i = 0; i < template.count; i++, index++) {
      const askId = 30_000_000 + index;
      const host = template.host ?? `vast-machine-${100_000 + index}`;
      offers.push({
        key: String(askId),
        gpu: template.gpu,
        gpu_count: template.gpu_count,
        vram_gb: template.vram_gb,
        price: template.price,
        location: template.location,
        host,
        reliability: template.reliability ?? 0.99,
        cuda: template.cuda ?? 12.8,
        tier: template.tier ?? 0,
        machine_id: template.host
          ? stableInt(10_000, 99_999, scenario.seed, 'vast-host', template.host)
          : 100_000 + index,
        location_id: '',
        v0_name: '',
        direct_ports: template.direct_ports ?? 100,
        verified: template.verified ?? true,
        external: template.external ?? false,
        behaviour: behaviourOf(config, template, host),
      });
    }
  }
  return offers;
}

export function tensorDockOffers(scenario: Scenario): SimOffer[] {
  const config = scenario.tensordock;
  const offers: SimOffer[] = [];
  config.offers.forEach((template, t) => {
    const v0 = template.v0_name ?? deriveV0Name(template.gpu, template.vram_gb);
    for (let i = 0; i < template.count; i++) {
      const locationId = template.location_id ?? stableUuid(scenario.seed, 'td-location', t, i);
      const host = template.host ?? `td-node-${locationId.slice(0, 8)}`;
      offers.push({
        key: `${locationId}/${v0}`,
        gpu: template.gpu,
        gpu_count: template.gpu_count,
        vram_gb: template.vram_gb,
        price: template.price,
        location: template.location,
        host,
        reliability: 0,
        cuda: template.cuda ?? 12.4,
        tier: template.tier ?? 1,
        machine_id: 0,
        location_id: locationId,
        v0_name: v0,
        direct_ports: 0,
        verified: true,
        external: false,
        behaviour: behaviourOf(config, template, host),
      });
    }
  });
  return offers;
}

/**
 * The built-in market, after the field report: RTX 5060 Ti offers on Vast.ai boot in a few seconds; Vast.ai
 * RTX 3090 offers sit on a host whose SSH never answers; TensorDock listings take 3–5 s; a handful of other
 * GPUs (and TensorDock's usual stale stock and H100s that stop right after create) make the inventory look real.
 */
const DEFAULT_SCENARIO: ScenarioInput = {
  seed: 20260131,
  vastai: {
    defaults: { boot_seconds: [8, 20] },
    hosts: { 'vast-ssh9-host': { ssh: 'never', boot_seconds: [3, 6] } },
    offers: [
      {
        gpu: 'RTX 5060 Ti',
        vram_gb: 16,
        price: 0.054,
        location: 'Texas, US',
        count: 4,
        boot_seconds: [2, 5],
        cuda: 12.8,
        reliability: 0.996,
      },
      {
        gpu: 'RTX 5060 Ti',
        vram_gb: 16,
        price: 0.062,
        location: 'Quebec, CA',
        count: 3,
        boot_seconds: [2, 5],
        cuda: 12.8,
        reliability: 0.992,
      },
      {
        gpu: 'RTX 5060 Ti',
        gpu_count: 2,
        vram_gb: 16,
        price: 0.115,
        location: 'Oregon, US',
        count: 2,
        boot_seconds: [2, 5],
        cuda: 12.8,
      },
      {
        gpu: 'RTX 3090',
        vram_gb: 24,
        price: 0.062,
        location: 'Nevada, US',
        host: 'vast-ssh9-host',
        count: 5,
        cuda: 12.4,
        reliability: 0.985,
      },
      {
        gpu: 'RTX 4090',
        vram_gb: 24,
        price: 0.35,
        location: 'California, US',
        count: 6,
        cuda: 12.8,
        reliability: 0.994,
      },
      { gpu: 'RTX 4090', gpu_count: 2, vram_gb: 24, price: 0.69, location: 'Sweden, SE', count: 2, cuda: 12.8 },
      { gpu: 'RTX A5000', vram_gb: 24, price: 0.18, location: 'Ontario, CA', count: 3, cuda: 12.2 },
      {
        gpu: 'A100 SXM4',
        vram_gb: 80,
        price: 1.05,
        location: 'Virginia, US',
        count: 2,
        cuda: 12.6,
        reliability: 0.998,
      },
      { gpu: 'H100 SXM', vram_gb: 80, price: 2.2, location: 'Utah, US', count: 2, cuda: 12.8, reliability: 0.999 },
      { gpu: 'L40S', vram_gb: 48, price: 0.79, location: 'Nordrhein-Westfalen, DE', count: 2, cuda: 12.6 },
    ],
  },
  tensordock: {
    listing_latency_seconds: [3, 5],
    ip_delay_seconds: [2, 5],
    defaults: { boot_seconds: [10, 20] },
    offers: [
      {
        gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
        v0_name: 'geforcertx4090-pcie-24gb',
        vram_gb: 24,
        gpu_count: 4,
        price: 0.3966,
        location: 'Chubbuck, Idaho, United States',
        tier: 1,
        count: 2,
      },
      {
        gpu: 'NVIDIA GeForce RTX 3090 PCIe 24GB',
        v0_name: 'geforcertx3090-pcie-24gb',
        vram_gb: 24,
        gpu_count: 2,
        price: 0.2,
        location: 'Joplin, Missouri, United States',
        tier: 3,
      },
      {
        gpu: 'NVIDIA A40 PCIe 48GB',
        v0_name: 'a40-pcie-48gb',
        vram_gb: 48,
        gpu_count: 8,
        price: 0.45,
        location: 'Texas, Texas, United States',
        tier: 4,
      },
      {
        gpu: 'NVIDIA L4 PCIe 24GB',
        v0_name: 'l4-pcie-24gb',
        vram_gb: 24,
        price: 0.25,
        location: 'Manassas, Virginia, United States',
        tier: 2,
        unavailable: true,
      },
      {
        gpu: 'NVIDIA RTX A6000 PCIe 48GB',
        v0_name: 'rtxa6000-pcie-48gb',
        vram_gb: 48,
        gpu_count: 4,
        price: 0.45,
        location: 'Orlando, Florida, United States',
        tier: 3,
      },
      {
        gpu: 'NVIDIA H100 SXM5 80GB',
        v0_name: 'h100-sxm5-80gb',
        vram_gb: 80,
        gpu_count: 8,
        price: 2.0,
        location: 'Dallas, Texas, United States',
        tier: 3,
        stop_after_seconds: 8,
      },
    ],
  },
};

export function defaultScenario(): Scenario {
  return parseScenario(DEFAULT_SCENARIO);
}
