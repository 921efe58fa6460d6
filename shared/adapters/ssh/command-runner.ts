// One command over SSH with the broker's key: connect, check the host key is the one verification saw, run, collect
// at most 64 KB of stdout, close. Errors say what failed, never the key.
import ssh2 from 'ssh2';
import { sanitizeEcho } from '../../observability/redact.ts';
import type { CommandOutput, SshCommandRunner } from '../../ports/ssh-command.ts';
import type { ProbeTarget } from '../../ports/ssh-prober.ts';
import { hostKeyFingerprint } from './keys.ts';

const MAX_OUTPUT_BYTES = 64 * 1024;

export class Ssh2CommandRunner implements SshCommandRunner {
  run(target: ProbeTarget, privateKey: string, command: string, options: { timeoutMs: number; hostKeyFingerprint?: string }): Promise<CommandOutput> {
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let settled = false;
      let stdout = '';
      const finish = (err: Error | undefined, out?: CommandOutput) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end();
        if (err) reject(err);
        else resolve(out!);
      };
      const timer = setTimeout(() => finish(new Error(`SSH command did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
      client.on('error', (err) => finish(new Error(`SSH failed: ${sanitizeEcho(err.message, 120)}`)));
      client.on('close', () => finish(new Error('SSH connection closed before the command finished')));
      client.on('ready', () => {
        client.exec(command, (err, channel) => {
          if (err) return finish(new Error(`command could not start: ${sanitizeEcho(err.message, 120)}`));
          channel.on('data', (d: Buffer) => {
            if (stdout.length < MAX_OUTPUT_BYTES) stdout += d.toString('utf8');
          });
          channel.stderr.resume();
          // output may still arrive after the exit status: answer when the channel closes
          let code: number | null = null;
          channel.on('exit', (c: number | null) => {
            code = c;
          });
          channel.on('close', () => finish(undefined, { code, stdout }));
        });
      });
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey,
        readyTimeout: options.timeoutMs,
        authHandler: ['publickey'],
        hostVerifier: (key: Buffer) => !options.hostKeyFingerprint || hostKeyFingerprint(key) === options.hostKeyFingerprint,
      });
    });
  }
}
