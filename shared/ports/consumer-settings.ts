/** A consumer's defaults for the sessions it creates; a field a create request names itself wins over these. */
export interface ConsumerSettings {
  consumer_id: string;
  /** idle auto-stop window applied to a create that does not say (null in the request: none for that session) */
  idle_stop_minutes?: number;
  updated_at: string;
}

export interface ConsumerSettingsStore {
  get(consumerId: string): Promise<ConsumerSettings | undefined>;
  put(settings: ConsumerSettings): Promise<void>;
}
