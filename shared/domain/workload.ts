// What runs on a session's instance: an image the consumer SSHes into (`ssh`), or an image whose server the broker
// starts and waits for (`entrypoint`: vLLM, TGI, or any image that serves HTTP on an exposed port). Pure: the plan
// is made and checked before anything is written, and each attempt is launched from it.
import { type DiskEstimate, estimateDisk, type Quantization } from './disk-estimate.ts';
import { ValidationError } from './errors.ts';
import type { Offer, ProviderName } from './offer.ts';
import { type Template, templateImage, templatePorts } from './template.ts';

export const LAUNCH_MODES = ['ssh', 'entrypoint'] as const;
type LaunchMode = (typeof LAUNCH_MODES)[number];

type ServerKind = 'vllm' | 'tgi';

/** What the broker knows about an image: how big it is, how slow it starts, and which server it runs. */
interface ImageProfile {
  /** unpacked size, GB */
  image_gb: number;
  /** SSH and API verification budgets, as multiples of the configured defaults */
  ssh_budget_factor: number;
  api_budget_factor: number;
  server?: ServerKind;
}

const HEAVY = /nemo|megatron/;
const MEDIUM = /tensorrt|deepspeed|triton|ollama/;

export function imageProfile(image: string | undefined): ImageProfile {
  const i = (image ?? '').toLowerCase();
  // vLLM images are large and load the model before answering: the longest budgets
  if (i.includes('vllm')) return { image_gb: 20, ssh_budget_factor: 1.5, api_budget_factor: 2, server: 'vllm' };
  if (i.includes('text-generation-inference') || /(^|[/:-])tgi([/:-]|$)/.test(i)) {
    return { image_gb: 15, ssh_budget_factor: 1.2, api_budget_factor: 1.5, server: 'tgi' };
  }
  if (HEAVY.test(i)) return { image_gb: 25, ssh_budget_factor: 1.5, api_budget_factor: 1.5 };
  if (MEDIUM.test(i)) return { image_gb: 15, ssh_budget_factor: 1.2, api_budget_factor: 1.2 };
  return { image_gb: 10, ssh_budget_factor: 1, api_budget_factor: 1 };
}

/** The server side of an entrypoint workload: where it listens inside the instance and how it is asked. */
export interface WorkloadApi {
  /** container (or VM) port */
  port: number;
  /** path whose 2xx answer means the server is up */
  health_path: string;
  /** OpenAI-compatible: the endpoint given to clients ends in /v1 */
  openai: boolean;
  server?: ServerKind;
}

export interface Workload {
  launch_mode: LaunchMode;
  /** the container image (Vast.ai), or the image run with Docker inside the VM (TensorDock, entrypoint mode) */
  docker_image?: string;
  template_hash_id?: string;
  template_name?: string;
  /** entrypoint mode: whether the template's own launch keeps SSH (false: it runs its image's entrypoint) */
  template_ssh?: boolean;
  model_id?: string;
  quantization?: Quantization;
  exposed_ports?: number[];
  /** replaces the broker's own on-start script */
  on_start_cmd?: string;
  disk_gb: number;
  disk_source: 'request' | 'estimate' | 'default';
  disk_estimate?: Pick<DiskEstimate, 'minimum_gb' | 'recommended_gb'>;
  api_timeout_minutes?: number;
  api?: WorkloadApi;
}

export interface WorkloadRequest {
  launch_mode: LaunchMode;
  docker_image?: string;
  template_hash_id?: string;
  model_id?: string;
  quantization?: Quantization;
  exposed_ports?: number[];
  on_start_cmd?: string;
  disk_gb?: number;
  api_timeout_minutes?: number;
}

interface WorkloadContext {
  provider: ProviderName;
  /** the template named by template_hash_id, when the catalog knows it */
  template?: Template;
  /** disk when nothing else decides it */
  default_disk_gb: number;
}

const SERVER_DEFAULT_PORT: Record<ServerKind, number> = { vllm: 8000, tgi: 80 };

/** Checks the request against the provider and plans the workload; a ValidationError names what does not fit. */
export function planWorkload(req: WorkloadRequest, ctx: WorkloadContext): Workload {
  if (ctx.provider !== 'vastai') {
    if (req.template_hash_id) unsupported('template_hash_id', 'templates are a Vast.ai feature');
    if (req.docker_image && req.launch_mode === 'ssh') {
      unsupported('docker_image', 'TensorDock instances are VMs: a docker_image runs there only in entrypoint mode');
    }
  }
  const image = req.docker_image ?? (ctx.template ? templateImage(ctx.template) : undefined);
  const profile = imageProfile(image);
  const api = req.launch_mode === 'entrypoint' ? planApi(req, profile, image, ctx.template) : undefined;

  const estimate = estimateDisk({
    model_id: req.model_id,
    quantization: req.quantization,
    image_gb: req.template_hash_id && !req.docker_image ? Math.max(15, profile.image_gb) : profile.image_gb,
    template_recommended_gb: ctx.template?.recommended_disk_space,
  });
  if (estimate && req.disk_gb !== undefined && req.disk_gb < estimate.minimum_gb) {
    throw new ValidationError(
      `disk_gb ${req.disk_gb} is below the ${estimate.minimum_gb} GB this workload needs (${estimate.recommended_gb} GB recommended)`,
      {
        field: 'disk_gb',
        requested_gb: req.disk_gb,
        minimum_gb: estimate.minimum_gb,
        recommended_gb: estimate.recommended_gb,
        breakdown: estimate.breakdown,
      },
      'insufficient_disk',
    );
  }
  const disk =
    req.disk_gb !== undefined
      ? { disk_gb: req.disk_gb, disk_source: 'request' as const }
      : estimate
        ? { disk_gb: estimate.recommended_gb, disk_source: 'estimate' as const }
        : { disk_gb: ctx.default_disk_gb, disk_source: 'default' as const };

  return {
    launch_mode: req.launch_mode,
    ...(image ? { docker_image: image } : {}),
    ...(req.template_hash_id ? { template_hash_id: req.template_hash_id } : {}),
    ...(ctx.template ? { template_name: ctx.template.name } : {}),
    ...(api && ctx.template ? { template_ssh: templateKeepsSsh(ctx.template) } : {}),
    ...(req.model_id ? { model_id: req.model_id } : {}),
    ...(req.quantization ? { quantization: req.quantization } : {}),
    ...(req.exposed_ports?.length ? { exposed_ports: req.exposed_ports } : api ? { exposed_ports: [api.port] } : {}),
    ...(req.on_start_cmd ? { on_start_cmd: req.on_start_cmd } : {}),
    ...disk,
    ...(estimate ? { disk_estimate: { minimum_gb: estimate.minimum_gb, recommended_gb: estimate.recommended_gb } } : {}),
    ...(api && req.api_timeout_minutes !== undefined ? { api_timeout_minutes: req.api_timeout_minutes } : {}),
    ...(api ? { api } : {}),
  };
}

function planApi(req: WorkloadRequest, profile: ImageProfile, image: string | undefined, template?: Template): WorkloadApi {
  if (!image && !req.template_hash_id) {
    throw new ValidationError('entrypoint mode needs a docker_image (or a Vast.ai template_hash_id)', { field: 'docker_image' });
  }
  const server = profile.server;
  if (server && !req.model_id && !req.on_start_cmd && !req.template_hash_id) {
    throw new ValidationError(`entrypoint mode with a ${server === 'vllm' ? 'vLLM' : 'TGI'} image needs a model_id`, {
      field: 'model_id',
    });
  }
  const port =
    req.exposed_ports?.[0] ?? (template ? templatePorts(template)[0] : undefined) ?? (server ? SERVER_DEFAULT_PORT[server] : undefined);
  if (port === undefined) {
    throw new ValidationError('entrypoint mode needs exposed_ports: the port the image serves HTTP on', {
      field: 'exposed_ports',
    });
  }
  return {
    port,
    health_path: server === 'vllm' ? '/v1/models' : '/health',
    openai: server !== undefined,
    ...(server ? { server } : {}),
  };
}

/** Vast runtype `args` runs the image's entrypoint without SSH; the ssh and jupyter runtypes keep it. */
function templateKeepsSsh(t: Template): boolean {
  const runtype = (t.runtype ?? '').toLowerCase();
  return t.use_ssh === true || /ssh|jupyter/.test(runtype) || runtype === '';
}

function unsupported(field: string, why: string): never {
  throw new ValidationError(`${field}: ${why}`, { field }, 'unsupported_for_provider');
}

/** Whether a provider can run the workload (auto-retry must not move a Vast.ai-only workload to TensorDock). */
export function providerSupports(workload: Workload | undefined, provider: ProviderName): boolean {
  if (!workload || provider === 'vastai') return true;
  return !workload.template_hash_id && !(workload.docker_image && workload.launch_mode === 'ssh');
}

/**
 * Ports the workload needs reachable from outside the instance: its exposed ports (an entrypoint workload always has
 * at least its server's). An SSH-only session needs none.
 */
function portsNeeded(workload: Workload | undefined): number {
  return new Set(workload?.exposed_ports ?? []).size;
}

/**
 * Whether this offer can serve the workload. A Vast.ai host maps ports onto its public IP only when it has direct
 * ports (`direct_port_count`); a host without enough gives a proxy SSH endpoint and nothing else, so a workload's
 * ports would be unreachable (vast-ai docs: direct ports need `direct_port_count` > 0; proxy runtypes map none).
 * An offer that does not say how many it has (stored before the field was read) is not trusted with ports.
 */
export function offerSupports(workload: Workload | undefined, offer: Pick<Offer, 'provider' | 'direct_port_count'>): boolean {
  if (!providerSupports(workload, offer.provider)) return false;
  const needed = portsNeeded(workload);
  if (offer.provider !== 'vastai' || needed === 0) return true;
  return (offer.direct_port_count ?? 0) >= needed;
}

/** Refuses, before anything is written, an offer that cannot serve the workload's ports. */
export function checkOfferServes(workload: Workload, offer: Pick<Offer, 'id' | 'provider' | 'direct_port_count'>): void {
  if (offerSupports(workload, offer)) return;
  const needed = portsNeeded(workload);
  throw new ValidationError(
    `offer ${offer.id} is a proxy-only host (${offer.direct_port_count ?? 0} direct ports): the workload needs ${needed} port(s) reachable from outside; choose an offer with direct_port_count ≥ ${needed}`,
    { field: 'offer_id', offer_id: offer.id, direct_port_count: offer.direct_port_count ?? 0, ports_needed: needed },
    'offer_lacks_direct_ports',
  );
}

/**
 * Whether the attempt's instance will offer SSH. A TensorDock VM always does. On Vast.ai an entrypoint workload
 * keeps SSH when the server is started by an on-start script (the broker's for a known image, the consumer's own,
 * or an SSH template's); otherwise the image's entrypoint runs alone (runtype `args`), and Vast offers no SSH then.
 */
export function sshExpected(workload: Workload | undefined, provider: ProviderName): boolean {
  if (!workload || workload.launch_mode === 'ssh' || provider !== 'vastai') return true;
  if (workload.on_start_cmd) return true;
  if (workload.template_hash_id) return workload.template_ssh ?? true;
  return workload.api?.server !== undefined;
}

const VLLM_QUANTIZATION: Partial<Record<Quantization, string>> = { awq: 'awq', gptq: 'gptq', fp8: 'fp8' };
const TGI_QUANTIZATION: Partial<Record<Quantization, string>> = {
  awq: 'awq',
  gptq: 'gptq',
  fp8: 'fp8',
  int8: 'bitsandbytes',
  int4: 'bitsandbytes-nf4',
};
const DTYPE: Partial<Record<Quantization, string>> = { fp16: 'float16', bf16: 'bfloat16', fp32: 'float32' };

/**
 * The command that starts a known server inside its image, listening on all interfaces at the workload's port,
 * sharded over the offer's GPUs. Undefined when the broker does not start the server itself (unknown image,
 * the consumer's own on-start command, a template's own launch).
 */
export function serverCommand(workload: Workload | undefined, gpuCount: number): string[] | undefined {
  const api = workload?.api;
  if (!workload || !api?.server || !workload.model_id || workload.on_start_cmd || workload.template_hash_id) return undefined;
  const q = workload.quantization;
  if (api.server === 'vllm') {
    return [
      'python3',
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--host',
      '0.0.0.0',
      '--port',
      String(api.port),
      '--model',
      workload.model_id,
      '--gpu-memory-utilization',
      '0.90',
      ...(gpuCount > 1 ? ['--tensor-parallel-size', String(gpuCount)] : []),
      ...(q && VLLM_QUANTIZATION[q] ? ['--quantization', VLLM_QUANTIZATION[q]] : []),
      ...(q && DTYPE[q] ? ['--dtype', DTYPE[q]] : []),
    ];
  }
  return [
    'text-generation-launcher',
    '--hostname',
    '0.0.0.0',
    '--port',
    String(api.port),
    '--model-id',
    workload.model_id,
    ...(gpuCount > 1 ? ['--num-shard', String(gpuCount)] : []),
    ...(q && TGI_QUANTIZATION[q] ? ['--quantize', TGI_QUANTIZATION[q]] : []),
    ...(q && DTYPE[q] ? ['--dtype', DTYPE[q]] : []),
  ];
}

/** The base URL clients use: `http://host:port`, plus `/v1` for OpenAI-compatible servers. */
export function apiBaseUrl(api: Pick<WorkloadApi, 'openai'>, host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}${api.openai ? '/v1' : ''}`;
}
