import type { CookieOptions } from 'express';
import type { AppConfig } from '../config/app-config';

export const SESSION_COOKIE = 'sso_session';

export function sessionCookieOptions(config: Pick<AppConfig, 'publicUrl'>, expiresAt?: Date): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicUrl.startsWith('https:'),
    path: '/',
    ...(expiresAt ? { expires: expiresAt } : {}),
  };
}
