import * as z from 'zod';
import { identifier } from './common.ts';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a calendar date');

export const costsQuery = z.object({
  session_id: z.string().trim().min(1).max(64).optional(),
  consumer_id: identifier(128).optional(),
  start_date: day.optional(),
  end_date: day.optional(),
  period: z.enum(['daily', 'monthly']).optional(),
});

export const costSummaryQuery = z.object({ consumer_id: identifier(128).optional() });

export const budgetPath = z.object({ consumer_id: identifier(128) });
// a cent at least: DynamoDB cannot store magnitudes below 1e-130, and a smaller budget means nothing
export const budgetBody = z.object({
  monthly_limit_usd: z.number().min(0.01).max(1_000_000),
  /** block (default): no new session or extension past the limit; stop: also end the running sessions */
  on_exceeded: z.enum(['block', 'stop']).default('block'),
});
