// gpu-shopper inventory: the stored offers with the API's filters, cheapest first unless asked otherwise.
import { type Command, Option } from 'commander';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import type { Query } from '../api-client.ts';
import { type ContextOf, intIn, numberIn } from '../context.ts';
import { age, type Output, num, str, usd } from '../output.ts';

export interface OfferView {
  id: string;
  provider: string;
  gpu_type: string;
  gpu_count: number;
  vram_gb: number;
  price_per_hour: number;
  location: string;
  reliability: number;
  confidence: number;
  cuda_version?: number;
  availability?: string;
}

export interface InventoryAnswer {
  offers: OfferView[];
  count: number;
  total: number;
  providers: Record<string, { status: string; fetched_at?: string; offer_count: number; error?: string }>;
}

export interface OfferFilters {
  provider?: string;
  gpu?: string;
  minVram?: number;
  maxPrice?: number;
  minGpus?: number;
  location?: string;
  minReliability?: number;
  minCuda?: number;
}

/** The filter options `inventory` and `provision --gpu` share. */
export function addFilterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .option('-g, --gpu <type>', 'GPU type, any spelling ("RTX 4090", "rtx4090")')
    .option('--min-vram <gb>', 'at least this much memory per GPU', numberIn(0, 10_000))
    .option('--max-price <usd>', 'at most this many USD per hour', numberIn(0, 100_000))
    .option('--min-gpus <n>', 'at least this many GPUs', intIn(1, 1024))
    .option('--location <text>', 'location contains this text')
    .option('--min-reliability <0-1>', 'at least this provider reliability', numberIn(0, 1))
    .option('--min-cuda <version>', 'at least this CUDA version', numberIn(0, 100));
}

export function filterQuery(f: OfferFilters): Query {
  return {
    provider: f.provider,
    gpu_type: f.gpu,
    min_vram: f.minVram,
    max_price: f.maxPrice,
    min_gpu_count: f.minGpus,
    location: f.location,
    min_reliability: f.minReliability,
    min_cuda: f.minCuda,
  };
}

export function register(program: Command, contextOf: ContextOf): void {
  addFilterOptions(program.command('inventory').description('list offers (cheapest first)'))
    .option('--limit <n>', 'at most this many offers', intIn(1, 1000), 50)
    .addOption(new Option('--sort <order>', 'price: cheapest first; confidence: most likely to work first').choices(['price', 'confidence']).default('price'))
    .action(async (opts: OfferFilters & { limit: number; sort: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<InventoryAnswer>('/api/v1/inventory', {
        ...filterQuery(opts),
        limit: opts.limit,
        sort: opts.sort,
      });
      if (out.json) return out.data(answer);
      printOffers(out, answer.offers);
      out.line();
      out.line(`${answer.count} of ${answer.total} matching offers, sorted by ${opts.sort}`);
      for (const [name, p] of Object.entries(answer.providers ?? {})) {
        const fetched = p.fetched_at ? `, fetched ${age(p.fetched_at)}` : '';
        out.line(`  ${name}: ${p.status}, ${p.offer_count} offers${fetched}${p.error ? ` (${p.error})` : ''}`);
      }
    });
}

function printOffers(out: Output, offers: OfferView[]): void {
  out.table(
    [
      { header: 'OFFER' },
      { header: 'PROVIDER' },
      { header: 'GPU' },
      { header: 'GPUS', align: 'right' },
      { header: 'VRAM', align: 'right' },
      { header: 'USD/H', align: 'right' },
      { header: 'LOCATION' },
      { header: 'RELIAB', align: 'right' },
      { header: 'CONF', align: 'right' },
      { header: 'CUDA', align: 'right' },
      { header: 'STATE' },
    ],
    offers.map((o) => [
      o.id,
      o.provider,
      o.gpu_type,
      str(o.gpu_count),
      `${str(o.vram_gb)}GB`,
      usd(o.price_per_hour),
      o.location,
      num(o.reliability),
      num(o.confidence),
      num(o.cuda_version, 1),
      o.availability === 'stale' ? 'stale' : 'ok',
    ]),
  );
}
