// One section in its own process (handlers are module singletons configured from process.env at first import, so
// each section gets a fresh process and runtime). The handlers' log lines are counted and dropped; progress goes to
// stderr; the result goes back to the runner over IPC.
import os from 'node:os';
import type { SectionResult } from './report.ts';
import { sectionByName } from './sections/index.ts';
import type { SectionOptions } from './sections/types.ts';
import { LogCapture } from './support/log-capture.ts';

const capture = new LogCapture();
capture.install();

const [name = '', optionsJson = '{}'] = process.argv.slice(2);
const options = JSON.parse(optionsJson) as SectionOptions;
const progress = (message: string) => capture.stderr(`[bench:${name}] ${message}\n`);

async function main(): Promise<SectionResult> {
  const definition = sectionByName(name);
  if (!definition) throw new Error(`no section ${name}`);
  const base = { section: name, title: definition.title, quick: options.quick };
  const started = performance.now();
  const loadStart = os.loadavg()[0]!;
  const machine = () => ({
    cores: os.availableParallelism(),
    load_average_start: Math.round(loadStart * 100) / 100,
    load_average_end: Math.round(os.loadavg()[0]! * 100) / 100,
  });
  try {
    const { run } = await definition.load();
    const output = await run({ ...options, progress, capture });
    return { ...base, ...output, duration_s: (performance.now() - started) / 1000, machine: machine() };
  } catch (err) {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    return {
      ...base,
      figures: {},
      goals: [],
      tables: [],
      notes: [],
      duration_s: (performance.now() - started) / 1000,
      machine: machine(),
      error: (err as Error).message,
    };
  }
}

const result = await main();
capture.restore();
// leftover handles (SSH servers, sockets, timers) must not keep a finished section alive
process.send!(result, () => process.exit(result.error ? 1 : 0));
