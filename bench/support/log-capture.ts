// Keeps what the handlers write (JSON log lines on stdout and stderr, EMF metric lines: exactly what Lambda would ship
// to CloudWatch Logs) off the benchmark's own output, and counts it: bytes per function, and the metric streams
// emitted. Anything on stderr that is not a JSON log line (a crash, a warning) still reaches the real stderr.
import { currentFunction } from './invocations.ts';

interface CaptureCounts {
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

type Write = typeof process.stdout.write;

export class LogCapture {
  private counts = LogCapture.empty();
  private readonly sources = new Map<string, Set<string>>();
  private originals?: { stdout: Write; stderr: Write };

  private static empty(): CaptureCounts {
    return { bytes: {}, lines: {}, streams: {}, sums: {}, streamSources: {} };
  }

  /** Writes to the real stderr (progress lines), whether or not the capture is installed. */
  readonly stderr = (text: string): void => {
    (this.originals?.stderr ?? process.stderr.write).call(process.stderr, text);
  };

  install(): void {
    if (this.originals) return;
    const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
    this.originals = originals;
    const patch = (stream: NodeJS.WriteStream, original: Write, passThrough: (text: string) => boolean): Write =>
      ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        if (passThrough(text)) return original.call(stream, chunk as string, encoding as BufferEncoding, callback as () => void);
        this.record(text);
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }) as Write;
    process.stdout.write = patch(process.stdout, originals.stdout, () => false);
    process.stderr.write = patch(process.stderr, originals.stderr, (text) => !text.trimStart().startsWith('{"level"'));
  }

  restore(): void {
    if (!this.originals) return;
    process.stdout.write = this.originals.stdout;
    process.stderr.write = this.originals.stderr;
    this.originals = undefined;
  }

  /** The counts since the last take, and start counting afresh. */
  take(): CaptureCounts {
    const taken = this.counts;
    taken.streamSources = Object.fromEntries([...this.sources].map(([k, v]) => [k, [...v].sort()]));
    this.counts = LogCapture.empty();
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
