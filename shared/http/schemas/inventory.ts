import * as z from 'zod';
import { MAX_LIMIT } from '../../domain/inventory-query.ts';
import { providerParam, textParam } from '../query.ts';
import { queryInt, queryNumber } from './common.ts';

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
  sort: z.enum(['price', 'confidence']).optional(),
  template_hash_id: z.string().trim().regex(/^[A-Za-z0-9]{8,64}$/, 'must be a Vast.ai template hash id').optional(),
});

export const offerPath = z.object({ id: z.string() });

export const offerHealthQuery = z.object({
  provider: providerParam().optional(),
  gpu_type: textParam().optional(),
});
