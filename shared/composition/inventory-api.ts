// Wiring of GET /api/v1/inventory: stored snapshots, the template catalog (template_hash_id) and the benchmark
// results (sort=value).
import { config } from '../config.ts';
import { benchmarkResults } from './benchmark-results.ts';
import { inventoryFromEnv } from './inventory.ts';
import { templatesFromEnv } from './templates.ts';

export const inventoryApiDeps = () => ({
  inventory: inventoryFromEnv().service,
  templates: templatesFromEnv().catalog,
  defaultDiskGb: config().get('DEFAULT_DISK_GB'),
  benchmarks: benchmarkResults(),
});
