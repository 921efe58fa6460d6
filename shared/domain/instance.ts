// A provider instance as the broker sees it, whatever the provider.
import type { ProviderName } from './offer.ts';

/**
 * Provider statuses normalised to a small set:
 *   starting — created, loading, booting: may still become running
 *   running  — the provider says it is up (SSH may still be coming up)
 *   stopping — on its way down
 *   stopped  — stopped, exited, offline, error: will not become running by itself
 *   unknown  — the provider cannot say right now (no heartbeat): treat as starting, within the deadline
 */
export type InstanceStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'unknown';

export interface Endpoint {
  host: string;
  port: number;
}

export interface Instance {
  /** the provider's instance id, as a string */
  id: string;
  provider: ProviderName;
  /** the label (Vast `label`, TensorDock `name`) the broker wrote at create time, if any */
  label?: string;
  status: InstanceStatus;
  /** the provider's own status text, e.g. "loading", "StoppedDisassociated" */
  provider_status: string;
  /** extra text from the provider (Vast `status_msg`) */
  status_message?: string;
  ssh?: Endpoint & { user: string };
  /** container/VM port → where it is reachable from outside */
  ports?: Record<string, Endpoint>;
  /** a VM with its own IP: every port not in `ports` is reachable as itself on this host (TensorDock) */
  open_host?: string;
  /** actual price, USD/h, where the provider reports it */
  price_per_hour?: number;
  created_at?: string;
}

/**
 * The label written on every instance: `gs-<deploymentId>-<sessionId>-<attempt>`. The deployment id is what makes
 * an instance "ours"; the session id and attempt make a create idempotent (a retry finds the instance it made).
 */
export interface InstanceLabel {
  deploymentId: string;
  sessionId: string;
  attempt: number;
}

const LABEL = /^gs-([a-z0-9][a-z0-9-]{2,23})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{1,3})$/;

/** Where a container/VM port is reachable from outside, if the provider says. */
export function externalEndpoint(instance: Pick<Instance, 'ports' | 'open_host'>, port: number): Endpoint | undefined {
  const mapped = instance.ports?.[String(port)];
  if (mapped) return mapped;
  return instance.open_host ? { host: instance.open_host, port } : undefined;
}

export function formatLabel(label: InstanceLabel): string {
  return `gs-${label.deploymentId}-${label.sessionId}-${label.attempt}`;
}

export function parseLabel(text: string | undefined | null): InstanceLabel | undefined {
  const m = LABEL.exec((text ?? '').trim());
  if (!m) return undefined;
  return { deploymentId: m[1]!, sessionId: m[2]!, attempt: Number(m[3]) };
}
