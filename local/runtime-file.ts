// DATA_DIR/runtime.json: where a running local runtime can be reached (its DynamoDB, table, deployment id and
// simulated marketplaces), so operator tools (`npm run ops`) work against it without copying ports from its log.
// Written when the runtime is ready, removed when it stops; readable by the owner only (it holds the simulated
// marketplaces' keys — never a real provider credential).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RuntimeFile {
  pid: number;
  url: string;
  deployment_id: string;
  table_name: string;
  dynamodb_endpoint: string;
  /** the variables that point provider adapters at the simulated marketplaces */
  sim_env: Record<string, string>;
}

export const runtimeFilePath = (dataDir: string) => path.join(dataDir, 'runtime.json');

export function writeRuntimeFile(dataDir: string, info: RuntimeFile): void {
  const file = runtimeFilePath(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes the file if this process wrote it (another runtime may have started on the same DATA_DIR since). */
export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  if (readRuntimeFile(dataDir)?.pid === pid) rmSync(runtimeFilePath(dataDir), { force: true });
}

export function readRuntimeFile(dataDir: string): RuntimeFile | undefined {
  const file = runtimeFilePath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RuntimeFile;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote the file is still alive. */
export function isRunning(info: RuntimeFile): boolean {
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
