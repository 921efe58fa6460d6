// Host keys of simulated instances are always usable, although ssh2's own keygen sometimes is not.
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { newHostKey } from '../../local/sim/ssh-host.ts';

describe('simulated host keys', () => {
  it('always parse, across more draws than it takes ssh2 to produce a malformed one', () => {
    // about one ssh2 ed25519 key in 256 has a 31-byte public key; 2000 draws would almost surely hit one
    for (let i = 0; i < 2000; i++) {
      const parsed = ssh2.utils.parseKey(newHostKey());
      expect(parsed).not.toBeInstanceOf(Error);
    }
  });
});
