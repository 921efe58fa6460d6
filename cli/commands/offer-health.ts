// gpu-shopper offer-health: offers that failed recently (and whether they are suppressed), degraded GPU types, and
// marketplace hosts that failed verification today.
import { type Command, Option } from 'commander';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import type { HostHealth } from '../../shared/domain/host-reputation.ts';
import type { GpuTypeHealth, OfferHealth } from '../../shared/domain/offer-health.ts';
import type { ContextOf } from '../context.ts';
import { age, num, oneLine, str } from '../output.ts';

export function register(program: Command, contextOf: ContextOf): void {
  program
    .command('offer-health')
    .description('recent provisioning failures per offer, suppressed offers, degraded GPU types')
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .option('-g, --gpu <type>', 'only this GPU type')
    .action(async (opts: { provider?: string; gpu?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ offers: OfferHealth[]; gpu_types: GpuTypeHealth[]; hosts?: HostHealth[]; count: number }>(
        '/api/v1/offer-health',
        { provider: opts.provider, gpu_type: opts.gpu },
      );
      if (out.json) return out.data(answer);
      if (answer.offers.length === 0) out.line('no offer failed recently');
      else {
        out.table(
          [
            { header: 'OFFER' },
            { header: 'PROVIDER' },
            { header: 'GPU' },
            { header: 'FAILURES', align: 'right' },
            { header: 'MULTIPLIER', align: 'right' },
            { header: 'SUPPRESSED' },
            { header: 'LAST FAILURE' },
          ],
          answer.offers.map((o) => [
            o.offer_id,
            o.provider,
            o.gpu_type,
            String(o.recent_failures),
            num(o.confidence_multiplier),
            o.is_suppressed ? `until ${age(o.suppressed_until).replace(/^in /, '+')}` : 'no',
            [age(o.last_failure), str(o.last_failure_type), oneLine(str(o.last_failure_reason)).slice(0, 60)]
              .filter(Boolean)
              .join(' '),
          ]),
        );
      }
      const types = answer.gpu_types.filter((t) => t.failed_offers > 0);
      if (types.length > 0) {
        out.line();
        out.table(
          [{ header: 'PROVIDER' }, { header: 'GPU TYPE' }, { header: 'FAILED OFFERS', align: 'right' }, { header: 'DEGRADED' }],
          types.map((t) => [t.provider, t.gpu_type, String(t.failed_offers), t.is_degraded ? `yes (×${num(t.confidence_multiplier)})` : 'no']),
        );
      }
      const hosts = answer.hosts ?? [];
      if (hosts.length > 0) {
        out.line();
        out.table(
          [{ header: 'PROVIDER' }, { header: 'HOST' }, { header: 'FAILURES (24 H)', align: 'right' }, { header: 'HOST CONFIDENCE', align: 'right' }, { header: 'AVOIDED' }],
          hosts.map((h) => [h.provider, h.host_id, String(h.failures), num(h.host_confidence), h.avoided ? 'yes' : 'no']),
        );
      }
    });
}
