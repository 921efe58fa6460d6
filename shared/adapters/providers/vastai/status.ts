// Vast's instance status words as an InstanceStatus.
import type { InstanceStatus } from '../../../domain/instance.ts';
import type { VastInstance } from './schemas.ts';

const STARTING = new Set([
  '',
  'created',
  'creating',
  'loading',
  'scheduling',
  'starting',
  'provisioning',
  'booting',
  'rebooting',
]);
const STOPPED = new Set(['stopped', 'exited', 'offline', 'frozen', 'error', 'unloaded', 'destroyed', 'deleted']);

/** Vast's `actual_status` (plus intent and status message) as an InstanceStatus. */
export function vastStatus(
  instance: Pick<VastInstance, 'actual_status' | 'intended_status' | 'cur_state' | 'status_msg'>,
): InstanceStatus {
  const actual = (instance.actual_status ?? '').trim().toLowerCase();
  const intended = (instance.intended_status ?? '').trim().toLowerCase();
  if (instance.cur_state?.trim().toLowerCase() === 'unloaded') return 'stopped';
  if (actual === 'running') return intended === 'stopped' ? 'stopping' : 'running';
  if (actual === 'created' && /oci runtime create failed/i.test(instance.status_msg ?? '')) return 'stopped';
  if (STARTING.has(actual)) return 'starting';
  if (STOPPED.has(actual)) return 'stopped';
  return 'unknown';
}
