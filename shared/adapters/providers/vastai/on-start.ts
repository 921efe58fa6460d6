// The on-start script that launches a workload's server: Vast runs `onstart` once, as root, when the container starts.
import { shellQuote } from '../ssh-keys.ts';

/** Starts the server in the background when the container starts (Vast runs `onstart` once, as root). */
export function serverScript(command: string[]): string {
  return `nohup ${command.map(shellQuote).join(' ')} > /var/log/gpu-shopper-workload.log 2>&1 &`;
}
