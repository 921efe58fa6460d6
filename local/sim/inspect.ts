// The inspection API under /_sim/ (no auth): what tests and chaos checks look at, and a few levers.
import { json, type Route, route } from './http-kit.ts';
import type { FaultTally } from './faults.ts';
import type { Market } from './market.ts';

export function inspectionRoutes(market: Market, offers: () => unknown[], faults: FaultTally): Route[] {
  const one = (id: string) => market.instances().find((i) => i.id === id);
  return [
    route('GET', /^\/_sim\/instances$/, () => json(200, { instances: market.instances() })),
    route('GET', /^\/_sim\/instances\/([^/]+)$/, (_req, [id]) => {
      const found = one(id!);
      return found ? json(200, found) : json(404, { error: 'no such instance' });
    }),
    route('GET', /^\/_sim\/faults$/, () => json(200, faults)),
    route('GET', /^\/_sim\/offers$/, () => {
      const list = offers();
      return json(200, { count: list.length, offers: list });
    }),
    // chaos levers: what a provider does to an instance on its own
    route('POST', /^\/_sim\/instances\/([^/]+)\/(stop|vanish)$/, (_req, [id, action]) => {
      const done = action === 'stop' ? market.stop(id!) : market.vanish(id!);
      return done ? json(200, one(id!)) : json(404, { error: 'no such live instance' });
    }),
  ];
}
