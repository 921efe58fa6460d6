// A Vast.ai template (GET /template/) as the broker's Template.
import { parseExtraFilters, type Template } from '../../../domain/template.ts';
import type { VastTemplate } from './schemas.ts';

export function toTemplate(raw: VastTemplate): Template {
  const disk = raw.recommended_disk_space;
  return {
    hash_id: raw.hash_id,
    ...(raw.id != null ? { id: raw.id } : {}),
    name: raw.name?.trim() || raw.image,
    image: raw.image,
    ...(raw.tag ? { tag: raw.tag } : {}),
    ...(raw.env ? { env: raw.env } : {}),
    ...(raw.onstart ? { onstart: raw.onstart } : {}),
    ...(raw.runtype ? { runtype: raw.runtype } : {}),
    ...(raw.args_str ? { args_str: raw.args_str } : {}),
    ...(raw.use_ssh != null ? { use_ssh: raw.use_ssh } : {}),
    ...(raw.ssh_direct != null ? { ssh_direct: raw.ssh_direct } : {}),
    recommended: raw.recommended === true,
    ...(disk != null && Number.isFinite(disk) && disk > 0 ? { recommended_disk_space: disk } : {}),
    extra_filters: parseExtraFilters(raw.extra_filters),
    ...(raw.count_created != null ? { count_created: raw.count_created } : {}),
    ...(raw.created_at != null ? { created_at: new Date(raw.created_at * 1000).toISOString() } : {}),
  };
}
