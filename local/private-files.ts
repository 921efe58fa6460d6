// DATA_DIR holds what the local runtime must keep from other users of the machine: the SSH key cipher's key,
// sessions (consumers' commands, key ciphertexts) in DynamoDB Local's files, execution inputs, the simulated
// marketplaces' state. Its directories are the owner's alone (0700) and its files are written 0600, whatever the
// umask says.
import { chmodSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Create the directory (and its parents) for the owner only; an existing one is narrowed to the owner. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Write the file whole (temp file, then rename), readable and writable by the owner only. */
export function writePrivateFile(file: string, data: string): void {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: PRIVATE_FILE_MODE });
  // the mode applies only to a file the write created: a leftover temp file keeps its own
  chmodSync(tmp, PRIVATE_FILE_MODE);
  renameSync(tmp, file);
}

/** Narrow every file under `dir` to the owner (files another program, DynamoDB Local, created with the umask's mode). */
export function restrictFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const stat = statSync(file);
    if (stat.isDirectory()) restrictFiles(file);
    else if ((stat.mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
