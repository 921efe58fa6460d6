// DATA_DIR/runtime.json: written while the local runtime runs, so `npm run ops` can find its table.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RuntimeInfo {
  url: string;
  dynamoDbEndpoint: string;
  tableName: string;
  pid: number;
}

const fileIn = (dataDir: string) => path.join(path.resolve(dataDir), 'runtime.json');

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(fileIn(dataDir), `${JSON.stringify(info)}\n`, { mode: 0o600 });
}

export function removeRuntimeInfo(dataDir: string): void {
  rmSync(fileIn(dataDir), { force: true });
}

/** The running runtime's info, or an explanation of why there is none. */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | { missing: string } {
  const file = fileIn(dataDir);
  if (!existsSync(file)) return { missing: `${file} is missing (is npm start running with this DATA_DIR?)` };
  const info = JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
  if (!alive(info.pid)) return { missing: `the runtime that wrote ${file} (pid ${info.pid}) is no longer running` };
  return info;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
