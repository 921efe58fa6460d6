// A Vast.ai instance as the broker's Instance, and the path that names one.
import type { Instance } from '../../../domain/instance.ts';
import { InvalidProviderRequestError } from '../../../domain/provider-errors.ts';
import { portMap, vastSshEndpoint } from './ports.ts';
import type { VastInstance } from './schemas.ts';
import { vastStatus } from './status.ts';

export function toInstance(raw: VastInstance): Instance {
  const ip = raw.public_ipaddr?.trim();
  const ports = portMap(raw.ports);
  return {
    id: String(raw.id),
    provider: 'vastai',
    label: raw.label?.trim() || undefined,
    status: vastStatus(raw),
    provider_status: raw.actual_status?.trim() || 'null',
    status_message: raw.status_msg?.trim() || undefined,
    ssh: vastSshEndpoint(raw),
    ports:
      ip && ports.size > 0 ? Object.fromEntries([...ports].map(([k, port]) => [k, { host: ip, port }])) : undefined,
    price_per_hour: raw.dph_total ?? undefined,
    created_at: raw.start_date ? new Date(raw.start_date * 1000).toISOString() : undefined,
  };
}

export function instancePath(instanceId: string): string {
  const id = instanceId.trim();
  if (!/^\d{1,18}$/.test(id)) {
    throw new InvalidProviderRequestError('Vast.ai instance ids are integers', { instance_id: id.slice(0, 40) });
  }
  return `/instances/${id}/`;
}
