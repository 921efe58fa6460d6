process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Two tiers. unit: the domain, use cases on in-memory stores (test/fakes, held to the adapters by test/contracts),
 * handlers with injected deps — no Java, seconds (`npm run test:unit`). integration: everything else, on one
 * DynamoDB Local, the simulated marketplaces, real SSH servers and the local runtime. `npm test` runs both.
 */
/** tests in the unit folders that also use stores of other tables (budgets, watches, reconciler memory, inventory) */
const ON_DYNAMODB = [
  'test/unit/refresh-handler.test.ts',
  'test/use-cases/benchmarks.test.ts',
  'test/use-cases/budget-holds.test.ts',
  'test/use-cases/reconcile.test.ts',
  'test/use-cases/watches.test.ts',
];
const testsIn = (dir: string) =>
  readdirSync(new URL(`./${dir}/`, import.meta.url))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`);
const UNIT = [...testsIn('test/unit'), ...testsIn('test/use-cases'), 'test/webhooks/webhook-domain.test.ts'].filter(
  (f) => !ON_DYNAMODB.includes(f),
);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // two cores here: more workers only fight over the CPU that DynamoDB Local and the SSH servers need
    maxWorkers: 2,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'false',
      // handlers in the test process: ~10 runtimes per run would otherwise each bundle and cold-start every function
      // on two cores. The environment model has its own tests (test/local/lambda-environments.test.ts), and npm start
      // is tested with it (test/integration/local-runtime.test.ts); chaos runs it too.
      LOCAL_LAMBDA_ENVIRONMENTS: 'process',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          setupFiles: ['test/support/setup-unit-env.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          // one DynamoDB Local (in memory) for the tier; each test file makes its own table in it
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/setup-env.ts'],
        },
      },
    ],
  },
});
