// The CLI's benchmark commands against a stub server: what they send and what they print.
import { describe, expect, it } from 'vitest';
import { cli, stub } from '../support/cli-stub.ts';

const RESULT = {
  id: 'r-1',
  model: 'meta-llama/Llama-3.1-8B',
  runtime: 'vllm',
  gpu_type: 'RTX 4090',
  gpu_count: 1,
  provider: 'vastai',
  generation_tps: 241.5,
  prompt_tps: 4000,
  ttft_ms_p50: 196,
  price_per_hour: 0.35,
  usd_per_million_tokens: 0.4026,
  tokens_per_second_per_dollar: 690,
};
const RUN = {
  run: { id: 'run-1', status: 'running', committed_usd: 0.35, spent_usd: 0, spec: { max_budget_usd: 5 }, item_counts: { provisioning: 1 } },
  items: [{ item_id: '001', model: 'm', gpu_type: 'RTX 4090', status: 'provisioning', session_id: 's-1' }],
};

describe('gpu-shopper benchmarks', () => {
  it('list sends the filters and prints $ per million tokens', async () => {
    const api = await stub(() => ({ status: 200, body: { benchmarks: [RESULT], count: 1 } }));
    const out = await cli(['--server', api.url, 'benchmarks', 'list', '-m', RESULT.model, '-g', 'RTX 4090', '-l', '5']);
    expect(out.code, out.stderr).toBe(0);
    const url = new URL(api.seen[0]!.url, api.url);
    expect(url.pathname).toBe('/api/v1/benchmarks');
    expect(Object.fromEntries(url.searchParams)).toEqual({ model: RESULT.model, gpu_type: 'RTX 4090', limit: '5' });
    expect(out.stdout).toContain('$/MTOK');
    expect(out.stdout).toContain('0.4026');
  });

  it('cheapest passes min_tps; run posts models × GPUs with the budget; runs cancel deletes', async () => {
    const api = await stub((method, url) => {
      if (url.startsWith('/api/v1/benchmarks/cheapest')) return { status: 200, body: { benchmark: RESULT, cost_analysis: {} } };
      if (method === 'POST') return { status: 201, body: RUN };
      return { status: 200, body: { ...RUN, run: { ...RUN.run, status: 'cancelled' } } };
    });
    expect((await cli(['--server', api.url, 'benchmarks', 'cheapest', '-m', 'x', '--min-tps', '100'])).code).toBe(0);
    expect(new URL(api.seen[0]!.url, api.url).searchParams.get('min_tps')).toBe('100');
    const run = await cli(['--server', api.url, 'benchmarks', 'run', '-m', 'a/A-8B,b/B-7B', '-g', 'RTX 4090', '-g', 'A100 SXM', '--budget', '5']);
    expect(run.code, run.stderr).toBe(0);
    expect(api.seen[1]).toMatchObject({
      method: 'POST',
      url: '/api/v1/benchmark-runs',
      body: { models: ['a/A-8B', 'b/B-7B'], gpu_types: ['RTX 4090', 'A100 SXM'], max_budget_usd: 5, runtime: 'vllm', max_concurrency: 8 },
    });
    expect(run.stdout).toContain('run run-1: running');
    const cancel = await cli(['--server', api.url, 'benchmarks', 'runs', 'cancel', 'run-1']);
    expect(cancel.code).toBe(0);
    expect(api.seen[2]).toMatchObject({ method: 'DELETE', url: '/api/v1/benchmark-runs/run-1' });
    expect(cancel.stdout).toContain('cancelled');
  });

  it('shows a server 404 as an error, not a table', async () => {
    const api = await stub(() => ({ status: 404, body: { error: 'no benchmarks found for model: x', error_type: 'not_found' } }));
    const out = await cli(['--server', api.url, 'benchmarks', 'best', '-m', 'x']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('no benchmarks found');
  });
});
