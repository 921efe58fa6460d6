// Runs `npm start`'s entry point as a real child process, the way a user runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface LocalProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Ctrl-C, and wait for a clean exit; resolves with the exit code */
  interrupt(): Promise<number | null>;
}

export async function startLocalProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<LocalProcess> {
  // a clean environment, as a user's shell would have: none of the test worker's own settings
  const inherited = { ...process.env };
  for (const key of ['DYNAMODB_ENDPOINT', 'TABLE_NAME', 'DEPLOYMENT_ID', 'GPU_SHOPPER_LOCAL', 'SFN_ENDPOINT']) {
    delete inherited[key];
  }
  // node with tsx as its loader, not the tsx CLI: the CLI relays a SIGINT to its child and, when the child does not
  // acknowledge within 30 ms (easily missed on a busy machine), SIGKILLs it, leaving DynamoDB Local running
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`local runtime exited early:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local runtime not ready within ${timeoutMs} ms:\n${out}`);
    }
    url = /ready on (http:\/\/[\d.:]+)/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
    async interrupt() {
      child.kill('SIGINT');
      return exited;
    },
  };
}
