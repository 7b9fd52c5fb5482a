import { describe, expect, it } from 'vitest';
import { deviceMailbox } from '../src/index.js';

describe('device mailbox', () => {
  it('matches the worked example of PROTOCOL.md §7.5', () => {
    expect(deviceMailbox('da6916c43b5d838c4068ace0864f173b', '0'.repeat(32))).toBe('1307570907b62e7b399dafa80ef1791e');
  });

  it('differs per member and per device', () => {
    const a = deviceMailbox('00'.repeat(16), '11'.repeat(16));
    expect(deviceMailbox('01'.repeat(16), '11'.repeat(16))).not.toBe(a);
    expect(deviceMailbox('00'.repeat(16), '12'.repeat(16))).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});
