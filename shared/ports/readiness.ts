export interface ReadinessCheck {
  /** a name shown in the 503 message when the check fails */
  readonly name: string;
  /** resolves with a reason when not ready, undefined when ready */
  check(): Promise<string | undefined>;
}
