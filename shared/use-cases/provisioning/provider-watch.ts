// The provider's view of an attempt's instance while it is being verified (SSH or the workload's API): a status
// change goes on the timeline, stopped fails fast, and unknown twice in a row means gone.
import type { Instance } from '../../domain/instance.ts';
import { InstanceNotFoundError } from '../../domain/provider-errors.ts';
import { InstanceStoppedError, InstanceVanishedError } from '../../domain/provisioning-errors.ts';
import type { Attempt } from '../../domain/session.ts';
import { extendedDeadline } from '../../domain/verification.ts';
import type { SessionEvent } from '../../ports/session-events.ts';
import type { ProvisioningDeps } from './deps.ts';

/** Provider statuses of an instance still on its way up (Vast `loading`, TensorDock `creating`, …). */
const LOADING = ['', 'null', 'loading', 'created', 'creating', 'starting', 'provisioning', 'booting', 'scheduling'];

export class ProviderWatch {
  /** when the provider was last asked (0: ask at the next chance) */
  lastCheckAt = 0;
  private notFoundInARow = 0;

  constructor(
    private readonly deps: Pick<ProvisioningDeps, 'providers' | 'clock'>,
    private readonly attempt: Attempt,
    /** the provider's status text as last seen (kept across rounds in the verification record) */
    public status: string | undefined,
    /** the round's timeline, written when the round ends */
    private readonly events: SessionEvent[],
    /** what was going on, for the stopped message: e.g. "while its server was starting" */
    private readonly during = '',
  ) {}

  /** Still loading as far as the provider says: a deadline may wait a little longer for it. */
  get loading(): boolean {
    return LOADING.includes((this.status ?? '').toLowerCase());
  }

  /**
   * A passed deadline moves out while the provider still loads the instance (an image pull has not had its chance
   * yet), within a cap; the timeline says so. False when the deadline stands.
   */
  extendWhileLoading(deadline: { deadline_at: string; base_deadline_at: string }, now: Date, what: string): boolean {
    if (!this.loading) return false;
    const extended = extendedDeadline(new Date(deadline.base_deadline_at), new Date(deadline.deadline_at), now);
    if (!extended) return false;
    deadline.deadline_at = extended.toISOString();
    this.events.push({
      type: 'provider_status',
      at: now.toISOString(),
      attempt: this.attempt.n,
      message: `the provider is still loading the instance; ${what} extended to ${deadline.deadline_at}`,
      provider_status: this.status,
    });
    return true;
  }

  /** The instance as the provider sees it now, or undefined when it was unknown once (asked again next time). */
  async read(): Promise<Instance | undefined> {
    this.lastCheckAt = this.deps.clock().getTime();
    const provider = await this.deps.providers.get(this.attempt.provider);
    let instance: Instance;
    try {
      instance = await provider.getInstance(this.attempt.instance_id!);
    } catch (err) {
      if (!(err instanceof InstanceNotFoundError)) throw err;
      // a just-created instance can be briefly unknown to a provider's read path: twice in a row means gone
      this.notFoundInARow += 1;
      if (this.notFoundInARow >= 2) throw new InstanceVanishedError('the provider no longer knows the instance');
      this.lastCheckAt = 0;
      return undefined;
    }
    this.notFoundInARow = 0;
    if (instance.provider_status !== this.status) {
      this.status = instance.provider_status;
      this.events.push({
        type: 'provider_status',
        at: this.deps.clock().toISOString(),
        attempt: this.attempt.n,
        status: instance.status,
        provider_status: instance.provider_status,
        ...(instance.status_message ? { message: instance.status_message.slice(0, 200) } : {}),
      });
    }
    if (instance.status === 'stopped') {
      const message = instance.status_message ? ` (${instance.status_message.slice(0, 120)})` : '';
      throw new InstanceStoppedError(
        `the provider reports the instance ${instance.provider_status}${this.during ? ` ${this.during}` : ''}${message}`,
      );
    }
    return instance;
  }
}
