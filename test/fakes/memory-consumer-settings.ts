// In-memory consumer settings, for the unit tier.
import type { ConsumerSettings, ConsumerSettingsStore } from '../../shared/ports/consumer-settings.ts';

export class MemoryConsumerSettingsStore implements ConsumerSettingsStore {
  private readonly items = new Map<string, ConsumerSettings>();

  async get(consumerId: string): Promise<ConsumerSettings | undefined> {
    const item = this.items.get(consumerId);
    return item ? structuredClone(item) : undefined;
  }

  async put(settings: ConsumerSettings): Promise<void> {
    this.items.set(settings.consumer_id, structuredClone(settings));
  }
}
