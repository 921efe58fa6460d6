// gpu-shopper webhooks create|list|get|delete|deliveries: a consumer's signed event deliveries (issue 18). The
// signing secret is printed once, on create.
import { type Command, Option } from 'commander';
import { CONSUMER_EVENT_TYPES } from '../../shared/ports/consumer-events.ts';
import { type ContextOf, intIn, segment } from '../context.ts';
import { age, str, time } from '../output.ts';

interface WebhookView {
  id: string;
  consumer_id: string;
  url: string;
  events: string[];
  description?: string;
  created_at: string;
}

interface DeliveryView {
  event_id: string;
  event_type: string;
  event_at: string;
  status: string;
  attempts: number;
  last_status_code?: number;
  last_error?: string;
  next_attempt_at?: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  const webhooks = program.command('webhooks').description('webhooks: signed deliveries of session and budget events');

  webhooks
    .command('create <url>')
    .description('register a webhook; its signing secret is printed once')
    .addOption(
      new Option('-e, --event <type...>', 'event types to deliver (repeatable; default: all)').choices([...CONSUMER_EVENT_TYPES]),
    )
    .option('-c, --consumer <id>', 'the consumer (filled from a consumer key)')
    .option('--description <text>', 'a note to tell webhooks apart')
    .action(async (url: string, opts: { event?: string[]; consumer?: string; description?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.post<{ webhook: WebhookView; secret: string }>('/api/v1/webhooks', {
        url,
        events: opts.event ?? [...CONSUMER_EVENT_TYPES],
        ...(opts.consumer === undefined ? {} : { consumer_id: opts.consumer }),
        ...(opts.description === undefined ? {} : { description: opts.description }),
      });
      if (out.json) return out.data(answer);
      out.fields([
        ['webhook', answer.webhook.id],
        ['consumer', answer.webhook.consumer_id],
        ['url', answer.webhook.url],
        ['events', answer.webhook.events.join(', ')],
        ['secret', answer.secret],
      ]);
      out.note('Store the secret now: it is not shown again. Check GpuShopper-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>.');
    });

  webhooks
    .command('list')
    .description('webhooks, without secrets')
    .option('-c, --consumer <id>', 'only this consumer')
    .action(async (opts: { consumer?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ webhooks: WebhookView[]; count: number }>('/api/v1/webhooks', { consumer_id: opts.consumer });
      if (out.json) return out.data(answer);
      out.table(
        [{ header: 'WEBHOOK' }, { header: 'CONSUMER' }, { header: 'URL' }, { header: 'EVENTS' }, { header: 'CREATED' }],
        answer.webhooks.map((w) => [w.id, w.consumer_id, w.url, w.events.join(','), age(w.created_at)]),
      );
    });

  webhooks
    .command('get <id>')
    .description('one webhook')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const w = await api.get<WebhookView>(`/api/v1/webhooks/${segment(id)}`);
      if (out.json) return out.data(w);
      out.fields([['webhook', w.id], ['consumer', w.consumer_id], ['url', w.url], ['events', w.events.join(', ')], ['description', w.description], ['created', time(w.created_at)]]);
    });

  webhooks
    .command('delete <id>')
    .description('remove a webhook: nothing more is delivered to it')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.request<{ id: string; deleted: boolean }>('DELETE', `/api/v1/webhooks/${segment(id)}`, {});
      if (out.json) return out.data(answer);
      out.line(`webhook ${answer.id} deleted`);
    });

  webhooks
    .command('deliveries <id>')
    .description("a webhook's deliveries, newest first: status, attempts, last answer, next attempt")
    .option('--limit <n>', 'at most this many', intIn(1, 100), 50)
    .action(async (id: string, opts: { limit: number }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ deliveries: DeliveryView[]; count: number }>(`/api/v1/webhooks/${segment(id)}/deliveries`, {
        limit: opts.limit,
      });
      if (out.json) return out.data(answer);
      out.table(
        [{ header: 'EVENT' }, { header: 'TYPE' }, { header: 'AT' }, { header: 'STATUS' }, { header: 'TRIES', align: 'right' }, { header: 'LAST' }, { header: 'NEXT' }],
        answer.deliveries.map((d) => [
          d.event_id,
          d.event_type,
          time(d.event_at),
          d.status,
          String(d.attempts),
          [str(d.last_status_code), d.last_error ?? ''].filter(Boolean).join(' '),
          d.next_attempt_at ? time(d.next_attempt_at) : '',
        ]),
      );
    });
}
