// Wiring of the benchmark results store for the functions that only read or record results (the benchmarks API,
// the inventory's value sort): no SSH, no Step Functions, so their bundles stay small.
import { DynamoBenchmarkStore } from '../adapters/dynamodb/benchmark-store.ts';
import { config } from '../config.ts';
import { documentClient } from './dynamodb.ts';
import { inventoryFromEnv } from './inventory.ts';
import { systemClock } from './shared-clients.ts';

let results: DynamoBenchmarkStore | undefined;

export function benchmarkResults(): DynamoBenchmarkStore {
  results ??= new DynamoBenchmarkStore(documentClient(), config().require('TABLE_NAME'));
  return results;
}

export const benchmarksApiDeps = () => ({ results: benchmarkResults(), inventory: inventoryFromEnv().service, clock: systemClock });
