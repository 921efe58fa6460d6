// The shapes of Vast.ai's answers the adapter reads (loose: unknown fields pass, the ones used are checked).
import * as z from 'zod';

export const VastOffer = z.looseObject({
  id: z.number().int().positive(),
  machine_id: z.number().int().nullish(),
  gpu_name: z.string().min(1),
  num_gpus: z.number().int().positive(),
  gpu_ram: z.number().nonnegative(),
  dph_total: z.number().nonnegative(),
  /** $/h of the GPU/compute part, without storage */
  dph_base: z.number().nonnegative().nullish(),
  /** $/GB-month of disk */
  storage_cost: z.number().nonnegative().nullish(),
  /** $/GB of traffic */
  inet_down_cost: z.number().nonnegative().nullish(),
  inet_up_cost: z.number().nonnegative().nullish(),
  geolocation: z.string().nullish(),
  reliability2: z.number().nullish(),
  reliability: z.number().nullish(),
  cuda_max_good: z.union([z.number(), z.string()]).nullish(),
  cpu_cores_effective: z.number().nullish(),
  cpu_cores: z.number().nullish(),
  cpu_ram: z.number().nullish(),
  disk_space: z.number().nullish(),
  inet_down: z.number().nullish(),
  /** ports the host maps straight onto its public IP; 0: proxy SSH only */
  direct_port_count: z.number().int().nullish(),
  rentable: z.boolean().nullish(),
  rented: z.boolean().nullish(),
});

export type VastOfferItem = z.infer<typeof VastOffer>;

export const VastInstanceSchema = z.looseObject({
  id: z.number().int(),
  label: z.string().nullish(),
  actual_status: z.string().nullish(),
  intended_status: z.string().nullish(),
  cur_state: z.string().nullish(),
  status_msg: z.string().nullish(),
  ssh_host: z.string().nullish(),
  ssh_port: z.union([z.number(), z.string()]).nullish(),
  public_ipaddr: z.string().nullish(),
  ports: z.unknown(),
  image_runtype: z.string().nullish(),
  dph_total: z.number().nullish(),
  start_date: z.number().nullish(),
});
export type VastInstance = z.infer<typeof VastInstanceSchema>;

export const VastTemplateSchema = z.looseObject({
  id: z.number().int().nullish(),
  hash_id: z.string().min(1),
  name: z.string().nullish(),
  image: z.string().min(1),
  tag: z.string().nullish(),
  env: z.string().nullish(),
  onstart: z.string().nullish(),
  runtype: z.string().nullish(),
  args_str: z.string().nullish(),
  use_ssh: z.boolean().nullish(),
  ssh_direct: z.boolean().nullish(),
  recommended: z.boolean().nullish(),
  recommended_disk_space: z.coerce.number().nullish().catch(null),
  extra_filters: z.unknown(),
  count_created: z.number().nullish(),
  created_at: z.number().nullish(),
});

export type VastTemplate = z.infer<typeof VastTemplateSchema>;

export const ListPage = z.looseObject({
  instances: z.array(z.unknown()),
  next_token: z.string().nullish(),
});
