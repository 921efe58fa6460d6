// What the broker needs from a GPU marketplace. Adapters (shared/adapters/providers/) speak the real APIs; the
// simulated marketplaces (local/sim/) speak those same APIs, so the real adapters run unchanged on one machine.
import type { Instance } from '../domain/instance.ts';
import type { Offer, ProviderName } from '../domain/offer.ts';

export interface CreateInstanceRequest {
  offer: Offer;
  /** formatLabel(...) — written as Vast `label` / TensorDock `name` */
  label: string;
  /**
   * the workload's Docker image: the container itself on Vast.ai; on TensorDock (VMs) the image run with Docker in
   * entrypoint mode (the VM's OS image is the adapter's own). Adapters have a default.
   */
  image?: string;
  disk_gb: number;
  /** OpenSSH public keys to install (the broker's, and the consumer's own if given) */
  ssh_public_keys: string[];
  env?: Record<string, string>;
  on_start?: string;
  /** container ports to expose (entrypoint mode) */
  exposed_ports?: number[];
  /** Vast.ai template */
  template_hash_id?: string;
  launch_mode?: 'ssh' | 'entrypoint';
  /** entrypoint mode: the command that starts the server inside the image (absent: the image's own entrypoint) */
  server_command?: string[];
  /** false: run the image's entrypoint alone, without SSH (Vast runtype `args`); VMs always keep SSH */
  ssh?: boolean;
  /** the slot (epoch ms) the shared pacing kept for this create when it refused an earlier try (ProviderPacingError.place) */
  paced_slot_at?: number;
}

export interface CreatedInstance {
  instance_id: string;
  created_at?: string;
}

export interface ProviderClient {
  readonly name: ProviderName;
  /** Every rentable on-demand offer. Throws a provider error on failure (never a partial list). */
  listOffers(options?: { signal?: AbortSignal }): Promise<Offer[]>;
  /**
   * Rents the offer. Throws OfferUnavailableError when it is gone. Returns the provider instance id, and when the
   * provider answered the create itself (`created_at`; follow-up calls such as attaching keys may take a while longer):
   * the instance's cost starts there.
   */
  createInstance(request: CreateInstanceRequest): Promise<CreatedInstance>;
  /** Throws InstanceNotFoundError when it does not exist (any more). */
  getInstance(instanceId: string): Promise<Instance>;
  /** Every instance of this account, all pages, with labels. Throws on any failure: a partial list is an error. */
  listInstances(): Promise<Instance[]>;
  /** Destroys the instance. Destroying one that is already gone succeeds. */
  destroyInstance(instanceId: string): Promise<void>;
  /**
   * Makes sure the instance accepts these keys, for an instance found by its label after a create whose answer was
   * lost: a provider that attaches keys after the create (Vast.ai) may not have them on it yet. Throws a provider error
   * when they cannot be confirmed. Absent where keys are part of the create itself (TensorDock).
   */
  ensureSshKeys?(instanceId: string, keys: string[]): Promise<void>;
}

export interface ProviderRegistry {
  /** the providers configured in this deployment */
  all(): Promise<ProviderClient[]>;
  /** throws NotFoundError when the provider is not configured */
  get(name: ProviderName): Promise<ProviderClient>;
}
