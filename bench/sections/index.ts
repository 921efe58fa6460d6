// Every section of `npm run bench`, in the order they run. Modules load lazily: each runs in its own process.
import type { SectionDefinition } from './types.ts';

export const SECTIONS: SectionDefinition[] = [
  {
    name: 'inventory',
    title: 'inventory reads during a refresh, refresh time and writes (issue 4)',
    takes: { full: '≈ 1.5–2 min', quick: '≈ 1 min' },
    load: () => import('./inventory.ts'),
  },
  {
    name: 'provisioning',
    title: 'SSH detection lag, state transitions and invocations per session (issue 5)',
    takes: { full: '≈ 3–4 min', quick: '≈ 1 min' },
    load: () => import('./provisioning.ts'),
  },
  {
    name: 'api',
    title: 'API latency on the local runtime versus the field report (issue 6)',
    takes: { full: '≈ 45 s', quick: '≈ 40 s' },
    load: () => import('./api.ts'),
  },
  {
    name: 'cost',
    title: 'AWS cost per 1,000 sessions and per idle month at 10,000 offers (issue 10)',
    takes: { full: '≈ 3 min', quick: '≈ 2 min' },
    load: () => import('./cost.ts'),
  },
  {
    name: 'scale',
    title: 'a burst of sessions against the documented provider limits, with the shared pacing (issue 16)',
    takes: { full: '≈ 9–10 min', quick: '≈ 1.5–2 min' },
    load: () => import('./scale.ts'),
  },
  {
    name: 'bundle',
    title: 'Lambda bundle size and cold module-load time per function (issue 10)',
    takes: { full: '≈ 1–1.5 min', quick: '≈ 45 s' },
    load: () => import('./bundle.ts'),
  },
];

export function sectionByName(name: string): SectionDefinition | undefined {
  return SECTIONS.find((s) => s.name === name);
}
