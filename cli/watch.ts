// `sessions watch`: the session's consumer events as they happen, from the API (so it works against any deployment,
// with nothing to register): each status change, failed attempt, refund and retry once, until the session ends.
import type { SessionView } from '../shared/http/session-view.ts';
import type { SessionEvent } from '../shared/ports/session-events.ts';
import type { Context } from './context.ts';
import { segment } from './context.ts';

interface WatchedEvent {
  type: string;
  at: string;
  session_id: string;
  status: string;
  previous_status?: string;
  attempt?: number;
  message?: string;
}

const FROM_TIMELINE: Record<string, string> = {
  attempt_failed: 'session.attempt_failed',
  refund_recorded: 'session.refunded',
  retrying: 'session.retrying',
};

const ENDED = new Set(['stopped', 'failed']);

export async function watchSession(
  ctx: Context,
  id: string,
  opts: { pollMs: number; timeoutSeconds: number },
  emit: (e: WatchedEvent) => void,
): Promise<SessionView> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const seen = new Set<string>();
  let status: string | undefined;
  for (;;) {
    const s = await ctx.api.get<SessionView>(`/api/v1/sessions/${segment(id)}`);
    const timeline = await ctx.api.get<{ events: SessionEvent[] }>(`/api/v1/sessions/${segment(id)}/events`);
    for (const e of timeline.events) {
      const type = FROM_TIMELINE[e.type];
      // a retrying without an offer is the end of retries: the failure that follows is the news
      if (!type || (e.type === 'retrying' && e['offer_id'] === undefined)) continue;
      const key = `${e.type}.${e.attempt ?? e.at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      emit({ type, at: e.at, session_id: s.id, status: s.status, ...(e.attempt ? { attempt: e.attempt } : {}), ...(e.message ? { message: String(e.message) } : {}) });
    }
    if (s.status !== status) {
      emit({
        type: 'session.status_changed',
        at: new Date().toISOString(),
        session_id: s.id,
        status: s.status,
        ...(status ? { previous_status: status } : {}),
        ...(s.error_type ? { message: `${s.error_type}${s.error ? `: ${s.error}` : ''}` } : {}),
      });
      status = s.status;
    }
    if (ENDED.has(s.status)) return s;
    if (Date.now() > deadline) return s;
    await ctx.sleep(opts.pollMs);
  }
}
