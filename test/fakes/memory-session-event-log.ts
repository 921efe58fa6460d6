// An in-memory SessionEventLog: appends kept whole, read back in time order (as the DynamoDB adapter sorts them).
import type { SessionEvent, SessionEventLog } from '../../shared/ports/session-events.ts';

export class MemorySessionEventLog implements SessionEventLog {
  private readonly bySession = new Map<string, SessionEvent[]>();

  async append(sessionId: string, events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const log = this.bySession.get(sessionId) ?? [];
    log.push(...(JSON.parse(JSON.stringify(events)) as SessionEvent[]));
    this.bySession.set(sessionId, log);
  }

  async list(sessionId: string): Promise<SessionEvent[]> {
    return [...(this.bySession.get(sessionId) ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  }
}
