import { describe, expect, it } from '@jest/globals';
import { sessionEndedErrorAt } from './session-ended';

describe(sessionEndedErrorAt.name, () => {
  it('answers a token request with invalid_grant, as for a grant that is gone', () => {
    expect(sessionEndedErrorAt('token')).toBe('invalid_grant');
  });

  it.each(['authorization', 'resume'])('answers the %s route with login_required, as for a session that is gone', (route) => {
    expect(sessionEndedErrorAt(route)).toBe('login_required');
  });
});
