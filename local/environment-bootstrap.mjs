// A worker thread starts without the parent's loaders, so each execution environment registers tsx itself before
// loading the TypeScript worker (Node 20 does not apply `--import tsx` from execArgv to a worker's ESM loader).
import { register } from 'tsx/esm/api';

register();
await import('./environment-worker.ts');
