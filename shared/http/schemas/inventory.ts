import * as z from 'zod';
import { MAX_LIMIT } from '../../domain/inventory-query.ts';
import { providerParam, textParam } from '../query.ts';
import { queryInt, queryNumber } from './common.ts';

const diskParam = () =>
  queryInt(8, 4096)
    .optional()
    .meta({ description: 'GB of disk the session will use: price_per_hour is all in for it (default: the default disk)' });

export const inventoryQuery = z.object({
  provider: providerParam().optional(),
  gpu_type: textParam().optional(),
  min_vram: queryNumber(0, 10_000).optional(),
  // 0 means no limit, as existing clients expect
  max_price: queryNumber(0, 100_000).optional(),
  min_gpu_count: queryInt(0, 1024).optional(),
  gpu_count: queryInt(0, 1024).optional(),
  location: textParam().optional(),
  min_reliability: queryNumber(0, 1).optional(),
  min_cuda: queryNumber(0, 100).optional(),
  limit: queryInt(1, MAX_LIMIT).optional(),
  offset: queryInt(0, 1_000_000).optional(),
  sort: z
    .enum(['price', 'confidence', 'value'])
    .optional()
    .meta({ description: 'value: by predicted $ per million tokens for model, from benchmark results (issue 19)' }),
  model: textParam().optional().meta({ description: 'the model sort=value predicts for' }),
  // the disk the offers are priced for (and must be able to give): the same bounds as a session's disk_gb
  disk_gb: diskParam(),
  template_hash_id: z.string().trim().regex(/^[A-Za-z0-9]{8,64}$/, 'must be a Vast.ai template hash id').optional(),
});

export const offerPath = z.object({ id: z.string() });

export const offerQuery = z.object({ disk_gb: diskParam() });

export const offerHealthQuery = z.object({
  provider: providerParam().optional(),
  gpu_type: textParam().optional(),
});
