// Money rules. Provider cost is the actual price for the time from the instance's creation to its confirmed
// destruction, by the second: a 90-second session costs 90 seconds, not nothing and not an hour.

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

export function durationHours(startedAt: string, endedAt: string): number {
  return Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)) / 3_600_000;
}

export function providerCost(pricePerHour: number, startedAt: string, endedAt: string): number {
  return round6(pricePerHour * durationHours(startedAt, endedAt));
}

export { round6 };
