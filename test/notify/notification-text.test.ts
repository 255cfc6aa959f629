import { describe, expect, it } from 'vitest';
import { describeNotification } from '../../server/notify/notification-text';

describe('notification text', () => {
  it('headlines a convoy landing with its title and progress', () => {
    const text = describeNotification('t1', {
      type: 'convoy.landed',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { id: 'c1', title: 'Ship the login page', closedBeads: 6, totalBeads: 6 },
    });
    expect(text.subject).toBe('[town t1] Convoy "Ship the login page" landed (6/6 beads closed)');
    expect(text.text).toContain('id: c1');
  });

  it('headlines a recovery with the target name', () => {
    const text = describeNotification('t1', { type: 'watchdog.recovered', timestamp: 'x', data: { name: 'Town Container' } });
    expect(text.subject).toBe('[town t1] Town Container recovered');
  });

  it('falls back to the event type for other events', () => {
    expect(describeNotification('t1', { type: 'something.else', timestamp: 'x', data: {} }).subject).toBe('[town t1] something.else');
  });
});
