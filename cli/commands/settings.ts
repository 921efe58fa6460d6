// gpu-shopper settings show|set: a consumer's defaults for the sessions it creates (today the idle auto-stop window).
import type { Command } from 'commander';
import { CliError } from '../api-client.ts';
import { type ContextOf, intIn, segment } from '../context.ts';
import type { Output } from '../output.ts';

interface SettingsView {
  consumer_id: string;
  idle_stop_minutes?: number;
  updated_at?: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  const settings = program.command('settings').description("a consumer's session defaults");
  const path = (consumer: string) => `/api/v1/consumers/${segment(consumer)}/settings`;

  settings
    .command('show')
    .description('the defaults new sessions get')
    .requiredOption('-c, --consumer <id>', 'the consumer')
    .action(async (opts: { consumer: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<SettingsView>(path(opts.consumer));
      if (out.json) return out.data(answer);
      print(out, answer);
    });

  settings
    .command('set')
    .description('set the idle auto-stop default (a session can still name its own, or none)')
    .requiredOption('-c, --consumer <id>', 'the consumer')
    .option('--idle-stop <minutes>', 'end sessions idle this long (10–720)', intIn(10, 720))
    .option('--no-idle-stop', 'remove the default')
    .action(async (opts: { consumer: string; idleStop?: number | false }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      if (opts.idleStop === undefined) throw new CliError('usage', 'say --idle-stop <minutes> or --no-idle-stop');
      const answer = await api.put<SettingsView>(path(opts.consumer), { idle_stop_minutes: opts.idleStop === false ? null : opts.idleStop });
      if (out.json) return out.data(answer);
      print(out, answer);
    });
}

function print(out: Output, s: SettingsView): void {
  out.line(`consumer   ${s.consumer_id}`);
  out.line(`idle stop  ${s.idle_stop_minutes === undefined ? 'none' : `${s.idle_stop_minutes} min`}`);
}
