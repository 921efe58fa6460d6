/** Time that moves only when the code under test sleeps (or the test advances it). */
export class VirtualClock {
  private t: number;
  constructor(start = '2026-11-28T10:00:00.000Z') {
    this.t = Date.parse(start);
  }
  now = (): Date => new Date(this.t);
  sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
  advance(ms: number): void {
    this.t += ms;
  }
}
