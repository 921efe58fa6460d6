// Where a Vast.ai instance answers: its Docker-style port map, and SSH as the official CLI finds it.
import type { Instance } from '../../../domain/instance.ts';
import { isRecord } from '../http.ts';
import type { VastInstance } from './schemas.ts';

function toPort(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** Docker-style `ports` ("22/tcp" → [{HostIp, HostPort:"40022"}]) as container port → host port. */
export function portMap(ports: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!isRecord(ports)) return out;
  for (const [key, bindings] of Object.entries(ports)) {
    const m = /^(\d+)\/tcp$/.exec(key.trim());
    if (!m || !Array.isArray(bindings)) continue;
    for (const binding of bindings) {
      const port = isRecord(binding) ? toPort(binding['HostPort']) : undefined;
      if (port) {
        out.set(m[1]!, port);
        break;
      }
    }
  }
  return out;
}

/** The official CLI's ssh-url logic: direct `public_ipaddr` + mapped 22/tcp when present, else the proxy. */
export function vastSshEndpoint(instance: VastInstance): Instance['ssh'] {
  // runtype `args` runs the image's entrypoint alone: no SSH, whatever host and port are advertised
  if ((instance.image_runtype ?? '').trim().toLowerCase() === 'args') return undefined;
  const ip = instance.public_ipaddr?.trim();
  const direct = portMap(instance.ports).get('22');
  if (ip && direct) return { host: ip, port: direct, user: 'root' };
  const host = instance.ssh_host?.trim();
  const port = toPort(instance.ssh_port);
  if (!host || !port) return undefined;
  // jupyter runtypes put SSH one port above the advertised one
  return { host, port: /jupyter/i.test(instance.image_runtype ?? '') ? port + 1 : port, user: 'root' };
}
