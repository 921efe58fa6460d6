// The local fault knob: random crashes of state-machine tasks only, before or after their work, counted.
import { describe, expect, it } from 'vitest';
import { randomCrashes } from '../../local/fault-knobs.ts';

/** A random source that plays back the given values, in order. */
const script = (...values: number[]) => () => {
  const v = values.shift();
  if (v === undefined) throw new Error('script ran out');
  return v;
};

describe('random task crashes', () => {
  it('crash a listed function before or after its work, each with half the rate, and count them', () => {
    // rate 0.2: a roll under 0.1 crashes
    const { faults, counts } = randomCrashes(0.2, ['CreateInstance', 'CloseSession'], script(0.05, 0.5, 0.09, 0.11));
    expect(faults.crashBefore!('CreateInstance')).toBe(true);
    expect(faults.crashBefore!('CreateInstance')).toBe(false);
    expect(faults.crashAfter!('CreateInstance')).toBe(true);
    expect(faults.crashAfter!('CloseSession')).toBe(false);
    expect(counts).toEqual({ before: 1, after: 1, by_function: { CreateInstance: 2 } });
  });

  it('never crash other functions (HTTP routes, schedules), and never at rate 0', () => {
    const { faults, counts } = randomCrashes(1, ['CreateInstance'], () => 0);
    expect(faults.crashBefore!('SessionsApi')).toBe(false);
    expect(faults.crashAfter!('SessionSweep')).toBe(false);
    const off = randomCrashes(0, ['CreateInstance'], () => 0);
    expect(off.faults.crashBefore!('CreateInstance')).toBe(false);
    expect(counts.before + counts.after).toBe(0);
  });

  it('refuse a rate outside 0..1', () => {
    expect(() => randomCrashes(1.5, [])).toThrow(RangeError);
    expect(() => randomCrashes(Number.NaN, [])).toThrow(RangeError);
  });
});
