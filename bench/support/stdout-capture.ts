// Keeps the handlers' stdout (JSON log lines and EMF metric lines, exactly what Lambda would ship to CloudWatch Logs)
// off the benchmark's own stdout, and counts it: bytes per function, and the distinct metric streams emitted.
import { currentFunction } from './invocations.ts';

export interface CaptureCounts {
  /** log bytes per function id (`runtime` for lines outside any invocation) */
  bytes: Record<string, number>;
  lines: Record<string, number>;
  /** datapoints per metric stream (namespace, name and dimension values), e.g. `GpuShopper/InventoryOffers{provider=vastai,service=gpu-shopper}` */
  streams: Record<string, number>;
  /** sum of the values reported per metric stream */
  sums: Record<string, number>;
  /** the functions that emitted each stream */
  streamSources: Record<string, string[]>;
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string }[];
}

export class StdoutCapture {
  private counts = StdoutCapture.empty();
  private readonly sources = new Map<string, Set<string>>();
  private original?: typeof process.stdout.write;

  private static empty(): CaptureCounts {
    return { bytes: {}, lines: {}, streams: {}, sums: {}, streamSources: {} };
  }

  install(): void {
    if (this.original) return;
    this.original = process.stdout.write;
    process.stdout.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      this.record(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  }

  restore(): void {
    if (this.original) process.stdout.write = this.original;
    this.original = undefined;
  }

  /** The counts since the last take, and start counting afresh. */
  take(): CaptureCounts {
    const taken = this.counts;
    taken.streamSources = Object.fromEntries([...this.sources].map(([k, v]) => [k, [...v].sort()]));
    this.counts = StdoutCapture.empty();
    this.sources.clear();
    return taken;
  }

  private record(text: string): void {
    const source = currentFunction();
    const c = this.counts;
    c.bytes[source] = (c.bytes[source] ?? 0) + Buffer.byteLength(text);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      c.lines[source] = (c.lines[source] ?? 0) + 1;
      if (line.includes('"_aws"')) this.recordEmf(line, source);
    }
  }

  private recordEmf(line: string, source: string): void {
    let doc: Record<string, unknown> & { _aws?: { CloudWatchMetrics?: EmfDirective[] } };
    try {
      doc = JSON.parse(line);
    } catch {
      return;
    }
    for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
      for (const dims of directive.Dimensions.length ? directive.Dimensions : [[]]) {
        const labels = [...dims].sort().map((d) => `${d}=${String(doc[d])}`);
        for (const metric of directive.Metrics) {
          const key = `${directive.Namespace}/${metric.Name}{${labels.join(',')}}`;
          this.counts.streams[key] = (this.counts.streams[key] ?? 0) + 1;
          const values = doc[metric.Name];
          for (const v of Array.isArray(values) ? values : [values]) {
            if (typeof v === 'number') this.counts.sums[key] = (this.counts.sums[key] ?? 0) + v;
          }
          const set = this.sources.get(key) ?? new Set<string>();
          set.add(source);
          this.sources.set(key, set);
        }
      }
    }
  }
}

/** The sum of every value reported for metric `name`, whatever its dimensions. */
export function metricTotal(counts: CaptureCounts, name: string): number {
  return Object.entries(counts.sums)
    .filter(([key]) => key.slice(key.indexOf('/') + 1).startsWith(`${name}{`))
    .reduce((sum, [, v]) => sum + v, 0);
}
