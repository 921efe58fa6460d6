// A scripted in-memory marketplace behind the ProviderClient port, for use-case tests.
import type { Instance, InstanceStatus } from '../../shared/domain/instance.ts';
import type { Offer, ProviderName } from '../../shared/domain/offer.ts';
import { InstanceNotFoundError, OfferUnavailableError, ProviderPacingError } from '../../shared/domain/provider-errors.ts';
import type { CreateInstanceRequest, ProviderClient, ProviderRegistry } from '../../shared/ports/provider.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';

export interface FakeInstance {
  id: string;
  label: string;
  offer_id: string;
  keys: string[];
  status: InstanceStatus;
  provider_status: string;
  ssh?: { host: string; port: number; user: string };
  /** container port → external endpoint, for the create request's exposed ports */
  ports?: Record<string, { host: string; port: number }>;
  /** what the create call asked for */
  request: CreateInstanceRequest;
  created_at: string;
  destroyed: boolean;
  /** GETs that still show it after destroy (a provider slow to confirm) */
  lingerAfterDestroy: number;
}

export class FakeProvider implements ProviderClient {
  readonly instances: FakeInstance[] = [];
  offers: Offer[] = [];
  private next = 1000;
  /** offers whose create answers "gone" */
  goneOffers = new Set<string>();
  /** instances hidden from listInstances (listing lag) */
  hiddenFromList = new Set<string>();
  /** throw after creating, as if the task crashed before recording */
  crashAfterCreate = 0;
  /** creates refused by the shared pacing before any request is sent */
  pacedOut = 0;
  /** status reads refused by the shared pacing (a long queue at the provider) */
  pacedReads = 0;
  /** the place the shared pacing keeps for a refused create (epoch ms of its slot), as the Pacer does for creates */
  pacedPlace: { slot_at: number; wake_at: number } | undefined;
  calls: string[] = [];
  lingerAfterDestroy = 0;
  /** absent: keys are part of the create (as on TensorDock); a test sets it to watch adoption */
  ensureSshKeys?: (instanceId: string, keys: string[]) => Promise<void>;

  constructor(
    readonly name: ProviderName,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listOffers(): Promise<Offer[]> {
    this.calls.push('listOffers');
    return this.offers;
  }

  async createInstance(req: CreateInstanceRequest): Promise<{ instance_id: string }> {
    this.calls.push(`create:${req.offer.id}`);
    if (this.goneOffers.has(req.offer.id)) throw new OfferUnavailableError(`offer ${req.offer.id} is gone`);
    if (this.pacedOut > 0) {
      this.pacedOut -= 1;
      const refused = new ProviderPacingError(`${this.name} create: no slot for 40 s`, { provider: this.name, operation: 'create' });
      throw this.pacedPlace ? refused.withPlace(this.pacedPlace) : refused;
    }
    const id = String(this.next++);
    this.instances.push({
      id,
      label: req.label,
      offer_id: req.offer.id,
      keys: req.ssh_public_keys,
      status: 'starting',
      provider_status: 'loading',
      ssh: req.ssh === false ? undefined : { host: '127.0.0.1', port: 2200 + Number(id) - 1000, user: 'root' },
      ports: req.exposed_ports?.length
        ? Object.fromEntries(req.exposed_ports.map((p) => [String(p), { host: '127.0.0.1', port: 30_000 + p }]))
        : undefined,
      request: req,
      created_at: this.now().toISOString(),
      destroyed: false,
      lingerAfterDestroy: this.lingerAfterDestroy,
    });
    if (this.crashAfterCreate > 0) {
      this.crashAfterCreate -= 1;
      const crash = new Error('task crashed after the provider created the instance');
      crash.name = 'Lambda.Unknown';
      throw crash;
    }
    return { instance_id: id };
  }

  instance(id: string): FakeInstance | undefined {
    return this.instances.find((i) => i.id === id);
  }

  alive(): FakeInstance[] {
    return this.instances.filter((i) => !i.destroyed);
  }

  setStatus(id: string, status: InstanceStatus, providerStatus: string): void {
    const i = this.instance(id)!;
    i.status = status;
    i.provider_status = providerStatus;
  }

  async getInstance(id: string): Promise<Instance> {
    this.calls.push(`get:${id}`);
    if (this.pacedReads > 0) {
      this.pacedReads -= 1;
      throw new ProviderPacingError(`${this.name} get instance: no slot for 30 s`, { provider: this.name, operation: 'get instance', wait_ms: 30_000 });
    }
    const i = this.instance(id);
    if (!i || (i.destroyed && i.lingerAfterDestroy <= 0)) throw new InstanceNotFoundError(`instance ${id} not found`);
    if (i.destroyed) i.lingerAfterDestroy -= 1;
    return {
      id: i.id,
      provider: this.name,
      label: i.label,
      status: i.destroyed ? 'stopping' : i.status,
      provider_status: i.destroyed ? 'deleting' : i.provider_status,
      ssh: i.ssh,
      ...(i.ports ? { ports: i.ports } : {}),
      created_at: i.created_at,
    };
  }

  async listInstances(): Promise<Instance[]> {
    this.calls.push('listInstances');
    return this.alive()
      .filter((i) => !this.hiddenFromList.has(i.id))
      .map((i) => ({ id: i.id, provider: this.name, label: i.label, status: i.status, provider_status: i.provider_status, created_at: i.created_at }));
  }

  async destroyInstance(id: string): Promise<void> {
    this.calls.push(`destroy:${id}`);
    const i = this.instance(id);
    if (i) i.destroyed = true;
  }
}

export class FakeRegistry implements ProviderRegistry {
  constructor(readonly providers: FakeProvider[]) {}
  async all() {
    return this.providers;
  }
  async get(name: ProviderName) {
    const p = this.providers.find((x) => x.name === name);
    if (!p) throw new NotFoundError(`provider ${name} is not configured`);
    return p;
  }
}
