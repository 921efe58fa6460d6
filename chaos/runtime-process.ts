// `npm start`'s entry as a child process, the way a user runs it, so the chaos run can stop it with SIGINT mid-run
// and start it again on the same DATA_DIR and ports. Its output goes to a log file under the data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashReport, EnvironmentReport } from './summary.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface RuntimeProcessOptions {
  env: Record<string, string>;
  logFile: string;
  readyTimeoutMs: number;
}

/**
 * Variables of the calling shell that must not reach the runtime: those it sets itself, and the credentials and URLs
 * that would make a provider real — a chaos run rents only from the simulated marketplaces.
 */
const WITHHELD = [
  'DYNAMODB_ENDPOINT',
  'TABLE_NAME',
  'DEPLOYMENT_ID',
  'GPU_SHOPPER_LOCAL',
  'SFN_ENDPOINT',
  'VASTAI_API_KEY',
  'VASTAI_API_URL',
  'TENSORDOCK_API_TOKEN',
  'TENSORDOCK_API_URL',
];

export class RuntimeProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private output = '';
  private readonly log: WriteStream;
  /** every "[gpu-shopper] injected task crashes: {…}" line, one per stop */
  readonly crashReports: CrashReport[] = [];
  /** every "[gpu-shopper] invocations: {…}" line (per function: invocations, errors, totalMs, maxMs), one per stop */
  readonly invocationReports: Record<string, { invocations: number; errors: number; totalMs: number; maxMs: number }>[] = [];
  /** every "[gpu-shopper] environments: {…}" line (per function: environments started, peak, cold starts), one per stop */
  readonly environmentReports: Record<string, EnvironmentReport>[] = [];
  url = '';

  constructor(private readonly options: RuntimeProcessOptions) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts `node --import tsx local/start.ts` and resolves with the API URL once it says it is ready. */
  async start(): Promise<string> {
    const inherited = { ...process.env };
    for (const key of WITHHELD) delete inherited[key];
    // node with tsx as its loader, not the tsx CLI: the CLI SIGKILLs a child that is slow to acknowledge a relayed
    // SIGINT, which would turn a clean stop into a crash (see test/support/local-process.ts)
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: ROOT,
      env: { ...inherited, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const reader = () => {
      let partial = '';
      return (d: Buffer) => {
        const text = d.toString();
        this.log.write(text);
        this.output = (this.output + text).slice(-200_000);
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.readReport(line);
      };
    };
    child.stdout!.on('data', reader());
    child.stderr!.on('data', reader());
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const url = /ready on (http:\/\/[\d.:]+)/.exec(this.output)?.[1];
      if (url) {
        this.url = url;
        return url;
      }
      if (!this.running) throw new Error(`the local runtime exited while starting; see ${this.options.logFile}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the local runtime was not ready within ${this.options.readyTimeoutMs} ms; see ${this.options.logFile}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private readReport(line: string): void {
    const crashes = /\] injected task crashes: (\{.*\})$/.exec(line);
    if (crashes) this.crashReports.push(JSON.parse(crashes[1]!) as CrashReport);
    const invocations = /\] invocations: (\{.*\})$/.exec(line);
    if (invocations) this.invocationReports.push(JSON.parse(invocations[1]!));
    const environments = /\] environments: (\{.*\})$/.exec(line);
    if (environments) this.environmentReports.push(JSON.parse(environments[1]!));
  }

  /** Ctrl-C, as a user stops it, and waits for it to exit; resolves with the exit code. */
  async interrupt(timeoutMs = 60_000): Promise<number | null> {
    if (!this.child || !this.running) return this.child?.exitCode ?? null;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops it if it runs and closes the log; safe to call more than once. */
  async close(): Promise<void> {
    if (this.running) await this.interrupt();
    if (!this.log.writableEnded) await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}
