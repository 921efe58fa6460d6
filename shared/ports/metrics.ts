// Metrics as use cases emit them; the Powertools adapter writes EMF. Names and dimensions are part of the contract
// with the CloudWatch alarms and dashboard (infra/), which a test keeps in step.

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';

export interface MetricsSink {
  add(name: string, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void;
}
