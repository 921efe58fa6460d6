// What a simulated instance answers over SSH. There is no real shell: a few commands a broker or a person
// checks with (echo, true, uname, nvidia-smi, who, df) answer like an Ubuntu GPU host, and gpu-shopper-bench (the
// benchmark runs' command, benchmark.ts) prints figures for its GPU; anything else exits 127.
import { simBenchmark } from './benchmark.ts';

export interface SimMachine {
  hostname: string;
  /** the name nvidia-smi prints, e.g. "NVIDIA GeForce RTX 4090" */
  gpuName: string;
  gpuCount: number;
  vramMiB: number;
  diskGb: number;
  cudaVersion: number;
  /** percent, every GPU */
  gpuUtil: number;
  /** sessions `who` lists */
  logins: number;
  /** the scenario seed: benchmark figures vary with it, reproducibly */
  seed?: number;
}

interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

const DRIVER = '570.124.04';

/** Shell words, with single quotes, double quotes and backslashes; `null` when quoting is unbalanced. */
export function shellWords(command: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return null;
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1]!)) j++;
        word += command[j];
      }
      if (j >= command.length) return null;
      inWord = true;
      i = j;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Splits `a && b; c` outside quotes. */
function splitCommands(command: string): { text: string; op: '&&' | ';' | undefined }[] {
  const parts: { text: string; op: '&&' | ';' | undefined }[] = [];
  let quote: string | undefined;
  let start = 0;
  let prevOp: '&&' | ';' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === ';' || (c === '&' && command[i + 1] === '&')) {
      parts.push({ text: command.slice(start, i), op: prevOp });
      prevOp = c === ';' ? ';' : '&&';
      if (c === '&') i++;
      start = i + 1;
    }
  }
  parts.push({ text: command.slice(start), op: prevOp });
  return parts;
}

export function runSimCommand(command: string, machine: SimMachine): CommandResult {
  const out: CommandResult = { stdout: '', stderr: '', code: 0 };
  for (const part of splitCommands(command)) {
    if (part.op === '&&' && out.code !== 0) continue;
    const result = runOne(part.text, machine);
    out.stdout += result.stdout;
    out.stderr += result.stderr;
    out.code = result.code;
  }
  return out;
}

function runOne(command: string, machine: SimMachine): CommandResult {
  const words = shellWords(command.trim());
  if (words === null) return { stdout: '', stderr: 'bash: unexpected EOF while looking for matching quote\n', code: 2 };
  const [name, ...args] = words;
  switch (name) {
    case undefined:
      return { stdout: '', stderr: '', code: 0 };
    case 'echo': {
      const noNewline = args[0] === '-n';
      const text = (noNewline ? args.slice(1) : args).join(' ');
      return { stdout: noNewline ? text : `${text}\n`, stderr: '', code: 0 };
    }
    case 'true':
      return { stdout: '', stderr: '', code: 0 };
    case 'uname':
      return { stdout: `${uname(args, machine)}\n`, stderr: '', code: 0 };
    case 'nvidia-smi':
      return nvidiaSmi(args, machine);
    case 'who':
      return { stdout: who(machine), stderr: '', code: 0 };
    case 'df':
      return { stdout: df(args, machine), stderr: '', code: 0 };
    case 'gpu-shopper-bench':
      return simBenchmark(args, { ...machine, seed: machine.seed ?? 1 });
    default:
      return { stdout: '', stderr: `bash: ${name}: command not found\n`, code: 127 };
  }
}

function uname(args: string[], machine: SimMachine): string {
  if (args.includes('-a')) {
    return `Linux ${machine.hostname} 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux`;
  }
  if (args.includes('-r')) return '5.15.0-105-generic';
  if (args.includes('-m')) return 'x86_64';
  if (args.includes('-n')) return machine.hostname;
  return 'Linux';
}

function nvidiaSmi(args: string[], machine: SimMachine): CommandResult {
  const query = args.find((a) => a.startsWith('--query-gpu='))?.slice('--query-gpu='.length);
  if (query) {
    const format = args
      .find((a) => a.startsWith('--format='))
      ?.slice('--format='.length)
      .split(',') ?? ['csv'];
    const fields = query.split(',').map((f) => f.trim());
    const units = !format.includes('nounits');
    const value = (field: string, index: number): string => {
      switch (field) {
        case 'name':
        case 'gpu_name':
          return machine.gpuName;
        case 'index':
          return String(index);
        case 'count':
          return String(machine.gpuCount);
        case 'memory.total':
          return units ? `${machine.vramMiB} MiB` : String(machine.vramMiB);
        case 'memory.used':
          return units ? '0 MiB' : '0';
        case 'memory.free':
          return units ? `${machine.vramMiB} MiB` : String(machine.vramMiB);
        case 'driver_version':
          return DRIVER;
        case 'utilization.gpu':
          return units ? `${machine.gpuUtil} %` : String(machine.gpuUtil);
        case 'uuid':
          return `GPU-${machine.hostname}-${index}`;
        default:
          return '[Not Supported]';
      }
    };
    const lines = format.includes('noheader') ? [] : [fields.join(', ')];
    for (let i = 0; i < machine.gpuCount; i++) lines.push(fields.map((f) => value(f, i)).join(', '));
    return { stdout: `${lines.join('\n')}\n`, stderr: '', code: 0 };
  }
  if (args.includes('-L')) {
    const lines = Array.from(
      { length: machine.gpuCount },
      (_, i) => `GPU ${i}: ${machine.gpuName} (UUID: GPU-${machine.hostname}-${i})`,
    );
    return { stdout: `${lines.join('\n')}\n`, stderr: '', code: 0 };
  }
  const rows: string[] = [];
  for (let i = 0; i < machine.gpuCount; i++) {
    const name = machine.gpuName.length > 22 ? machine.gpuName.slice(0, 22) : machine.gpuName;
    rows.push(
      `|   ${i}  ${name.padEnd(22)}     On  |   00000000:${(i + 1).toString(16).padStart(2, '0')}:00.0 Off |                  N/A |`,
      `|  0%   34C    P8    12W / 350W |      0MiB / ${String(machine.vramMiB).padStart(5)}MiB |      0%      Default |`,
      '+-------------------------------+----------------------+----------------------+',
    );
  }
  const table = [
    'Tue Jan 31 13:56:53 2026',
    '+-----------------------------------------------------------------------------+',
    `| NVIDIA-SMI ${DRIVER}    Driver Version: ${DRIVER}    CUDA Version: ${machine.cudaVersion.toFixed(1)}     |`,
    '|-------------------------------+----------------------+----------------------+',
    '| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |',
    '| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |',
    '|===============================+======================+======================|',
    ...rows,
    '',
  ];
  return { stdout: table.join('\n'), stderr: '', code: 0 };
}

function who(machine: SimMachine): string {
  return Array.from({ length: machine.logins }, (_, i) => `root     pts/${i}        2026-01-31 13:5${i % 10} (10.0.0.${i + 2})\n`).join('');
}

function df(args: string[], machine: SimMachine): string {
  const human = args.includes('-h');
  const totalK = machine.diskGb * 1024 * 1024;
  const usedK = Math.round(totalK * 0.06);
  const fmt = (k: number) => (human ? `${(k / 1024 / 1024).toFixed(0)}G` : String(k));
  const header = human
    ? 'Filesystem      Size  Used Avail Use% Mounted on'
    : 'Filesystem     1K-blocks     Used Available Use% Mounted on';
  return [
    header,
    `overlay        ${fmt(totalK).padStart(9)} ${fmt(usedK).padStart(8)} ${fmt(totalK - usedK).padStart(9)}   6% /`,
    `tmpfs          ${fmt(65536).padStart(9)} ${fmt(0).padStart(8)} ${fmt(65536).padStart(9)}   0% /dev`,
    `shm            ${fmt(8 * 1024 * 1024).padStart(9)} ${fmt(0).padStart(8)} ${fmt(8 * 1024 * 1024).padStart(9)}   0% /dev/shm`,
    '',
  ].join('\n');
}
