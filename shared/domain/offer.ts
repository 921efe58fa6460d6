// One rentable offer, normalised across providers.

export const PROVIDERS = ['vastai', 'tensordock'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

export interface Offer {
  /** provider-prefixed, e.g. `vastai-29907796`, `tensordock-<location uuid>-<v0Name>` */
  id: string;
  provider: ProviderName;
  /** the provider's own id for the offer (Vast ask id; TensorDock `<location uuid>/<v0Name>`) */
  provider_offer_id: string;
  /** normalised: "GeForce RTX 4090" → "RTX 4090" */
  gpu_type: string;
  gpu_count: number;
  /** per GPU */
  vram_gb: number;
  /**
   * USD per hour, all in: the GPU (TensorDock: with its vCPUs and RAM) plus the disk. As listed it is for
   * `listed_disk_gb`; inventory and sessions re-price it for the disk asked for (see offer-pricing.ts).
   */
  price_per_hour: number;
  // The pricing inputs are flat fields, not one nested object: the snapshot encoding (canonical JSON with a key
  // list) keeps top-level keys only. All optional, so offers stored before they existed still read.
  /** USD per hour without the disk (Vast: dph_total less the storage it included; TensorDock: GPU + vCPU + RAM) */
  base_price_per_hour?: number;
  /** USD per GB-hour of disk (Vast: storage_cost, a $/GB-month figure, ÷ 720; TensorDock: per_gb_storage_hr) */
  disk_price_per_gb_hour?: number;
  /** the disk the listed price_per_hour includes */
  listed_disk_gb?: number;
  /** the provider creates (and bills) at least this much disk: Vast 8 GB, TensorDock the VM's storage (≥ 100 GB) */
  min_disk_gb?: number;
  /** the most disk one instance of this offer can get, where the provider says */
  max_disk_gb?: number;
  /** set once re-priced: the disk price_per_hour is for */
  priced_for_disk_gb?: number;
  /** USD per GB of traffic in and out (Vast inet_down_cost, inet_up_cost); absent where the provider says nothing */
  inet_down_price_per_gb?: number;
  inet_up_price_per_gb?: number;
  /** free text: "California, US", "Chubbuck, Idaho, United States" */
  location: string;
  /** 0–1 */
  reliability: number;
  cuda_version?: number;
  /** the physical host, provider-prefixed (`vastai-machine-88888`), so retries can avoid a failing host */
  host_id?: string;
  cpu_cores?: number;
  ram_gb?: number;
  disk_gb?: number;
  /** inbound bandwidth in Mbit/s, where known */
  inet_down_mbps?: number;
  /**
   * Vast.ai: ports the host can map straight onto its public IP (`direct_port_count`). Without enough of them an
   * instance gets only the SSH proxy, and a workload's exposed ports are unreachable. TensorDock VMs have their own IP.
   */
  direct_port_count?: number;
  fetched_at: string;
}

/**
 * "GeForce RTX 4090", "NVIDIA GeForce RTX 4090 PCIe 24GB", "rtx4090" → "RTX 4090". Memory sizes and the PCIe
 * form factor (the default) are dropped and SXM generations are merged ("A100 SXM4", "H100 SXM5" → "… SXM"),
 * so the same card gets the same name on Vast.ai and TensorDock.
 */
export function normalizeGpuName(raw: string): string {
  let name = raw.trim().replace(/_/g, ' ').replace(/\s+/g, ' ');
  name = name.replace(/^(nvidia\s+)?(geforce\s+|tesla\s+)?/i, '');
  name = name.replace(/\s*\b\d+\s*gb$/i, '');
  name = name.replace(/\s+pcie$/i, '');
  name = name.replace(/\s+sxm\d?$/i, ' SXM').replace(/\s+nvl$/i, ' NVL');
  name = name
    .replace(/^rtx\s*(\d)/i, 'RTX $1')
    .replace(/^rtx\s*a(\d)/i, 'RTX A$1')
    .replace(/^gtx\s*(\d)/i, 'GTX $1');
  name = name.replace(/(\d)\s*ti$/i, '$1 Ti');
  return name.trim();
}

/** A comparison key for GPU names: "RTX4090", "rtx 4090" and "RTX 4090" are the same GPU. */
export function gpuKey(name: string): string {
  return normalizeGpuName(name)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
