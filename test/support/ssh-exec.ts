import { Client } from 'ssh2';

/** Log in with a private key (a real SSH client) and run one command; resolves with its trimmed output. */
export function sshExec(
  target: { host: string; port: number; user: string },
  privateKey: string,
  command = 'echo ok',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => {
            out += d.toString();
          });
          stream.on('close', () => {
            client.end();
            resolve(out.trim());
          });
        });
      })
      .on('error', reject)
      .connect({ host: target.host, port: target.port, username: target.user, privateKey, readyTimeout: 5000 });
  });
}
