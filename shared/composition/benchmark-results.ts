// Wiring of the benchmark results store for the functions that only read or record results (the benchmarks API,
// the inventory's value sort): no SSH, no Step Functions, so their bundles stay small.
import { DynamoBenchmarkStore } from '../adapters/dynamodb/benchmark-store.ts';
import { documentClient } from '../adapters/dynamodb/client.ts';
import { inventoryFromEnv } from '../adapters/dynamodb/inventory-from-env.ts';
import { requireEnv } from '../config.ts';
import { systemClock } from './shared-clients.ts';

let results: DynamoBenchmarkStore | undefined;

export function benchmarkResults(): DynamoBenchmarkStore {
  results ??= new DynamoBenchmarkStore(documentClient(), requireEnv('TABLE_NAME'));
  return results;
}

export const benchmarksApiDeps = () => ({ results: benchmarkResults(), inventory: inventoryFromEnv().service, clock: systemClock });
