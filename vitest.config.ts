process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-env.ts'],
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
  },
});
