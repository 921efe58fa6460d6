// What a simulated host answers over SSH, without a real shell.
import { describe, expect, it } from 'vitest';
import { runSimCommand, shellWords } from '../../local/sim/shell.ts';

const machine = {
  hostname: 'C.12345',
  gpuName: 'NVIDIA GeForce RTX 4090',
  gpuCount: 2,
  vramMiB: 24564,
  diskGb: 50,
  cudaVersion: 12.8,
  gpuUtil: 0,
  logins: 0,
};

describe('simulated commands', () => {
  it('echo handles quoting, -n and chains', () => {
    expect(runSimCommand('echo ok', machine)).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
    expect(runSimCommand(`echo 'it'\\''s' "a  b"`, machine).stdout).toBe("it's a  b\n");
    expect(runSimCommand('echo -n ok', machine).stdout).toBe('ok');
    expect(runSimCommand('true && echo yes; echo always', machine).stdout).toBe('yes\nalways\n');
    expect(runSimCommand('missing && echo never', machine)).toMatchObject({ stdout: '', code: 127 });
  });

  it('uname, nvidia-smi and df look like an Ubuntu GPU host', () => {
    expect(runSimCommand('uname', machine).stdout).toBe('Linux\n');
    expect(runSimCommand('uname -a', machine).stdout).toMatch(/^Linux C\.12345 5\.15\.\S+ .* x86_64 GNU\/Linux\n$/);
    expect(runSimCommand('nvidia-smi --query-gpu=name,memory.total --format=csv,noheader', machine).stdout).toBe(
      'NVIDIA GeForce RTX 4090, 24564 MiB\nNVIDIA GeForce RTX 4090, 24564 MiB\n',
    );
    expect(
      runSimCommand('nvidia-smi --query-gpu=count,memory.total --format=csv,noheader,nounits', machine).stdout,
    ).toBe('2, 24564\n2, 24564\n');
    const table = runSimCommand('nvidia-smi', machine).stdout;
    expect(table).toContain('CUDA Version: 12.8');
    expect(table.match(/24564MiB/g)).toHaveLength(2);
    expect(runSimCommand('nvidia-smi -L', machine).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(runSimCommand('df -h', machine).stdout).toMatch(/^Filesystem\s+Size.*\noverlay\s+50G/);
  });

  it('anything else exits 127 with the shell message', () => {
    expect(runSimCommand('python3 -c "print(1)"', machine)).toEqual({
      stdout: '',
      stderr: 'bash: python3: command not found\n',
      code: 127,
    });
    expect(runSimCommand("echo 'unterminated", machine).code).toBe(2);
  });

  it('splits words like a POSIX shell', () => {
    expect(shellWords(`printf '%s\\n' 'a b' "c\\"d" e\\ f`)).toEqual(['printf', '%s\\n', 'a b', 'c"d', 'e f']);
    expect(shellWords("'open")).toBeNull();
  });

  it('answers the idle probe: utilisation per GPU and who is logged in, as the scenario says', async () => {
    const { IDLE_PROBE_COMMAND, isIdle, parseIdleProbe } = await import('../../shared/domain/idle.ts');
    const idle = parseIdleProbe(runSimCommand(IDLE_PROBE_COMMAND, machine).stdout);
    expect(idle).toEqual({ gpu_util: [0, 0], logins: 0 });
    expect(isIdle(idle!)).toBe(true);
    const busy = parseIdleProbe(runSimCommand(IDLE_PROBE_COMMAND, { ...machine, gpuUtil: 87, logins: 2 }).stdout);
    expect(busy).toEqual({ gpu_util: [87, 87], logins: 2 });
    expect(isIdle(busy!)).toBe(false);
    expect(isIdle({ gpu_util: [0, 0], logins: 1 })).toBe(false);
    expect(parseIdleProbe('bash: nvidia-smi: command not found\n')).toBeUndefined();
  });
});
