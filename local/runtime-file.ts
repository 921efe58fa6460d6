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
  return JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
}
