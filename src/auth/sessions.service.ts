import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { Session } from './entities/session.entity';
import { SigningKeysService } from './signing-keys.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { ProvisionedMember } from '../provisioning/provisioning.service';
import { isUuid } from '../common/uuid.pipe';
import { PreparedStatement } from '../database/prepared-statement';

export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

export interface SessionClaims {
  sessionId: string;
  userId: string;
  organizationId: string;
}

/** Session tokens: ES256 JWTs whose `jti` names a row, so logout and removal revoke them. */
/** What /auth/me shows (see `memberView`): on every signed-in page load, prepared once per connection. */
/** A new session: one per login. */
const INSERT_SESSION = new PreparedStatement<never>(
  'INSERT INTO sessions (id, user_id, organization_id, method, expires_at) VALUES ($1, $2, $3, $4, $5)',
);

const MEMBER_VIEW = new PreparedStatement<{
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  organization_id: string;
  slug: string;
  roles: string[];
}>(
  `SELECT u.id, u.email, u.first_name, u.last_name, o.id AS organization_id, o.slug, m.roles
       FROM sessions s
       JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = s.organization_id
       JOIN users u ON u.id = m.user_id
       JOIN organizations o ON o.id = m.organization_id
       WHERE s.id = $1 AND s.user_id = $2 AND s.organization_id = $3 AND s.expires_at > $4`,
);

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly signingKeys: SigningKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(member: ProvisionedMember, method: string): Promise<IssuedSession> {
    const expiresAt = new Date(Date.now() + this.config.sessionTtlSeconds * 1000);
    // One INSERT: save() would wrap it in a transaction of its own (BEGIN, INSERT, COMMIT).
    const id = randomUUID();
    // The row and the signature side by side (the token names the row's id, chosen here); the
    // token is handed out only once the row is stored.
    const [, token] = await Promise.all([
      INSERT_SESSION.rows(this.sessions.manager.connection, [id, member.userId, member.organizationId, method, expiresAt]),
      this.signingKeys.sign(
        { sub: member.userId, jti: id, org: member.organizationId, roles: member.roles, email: member.email },
        this.config.sessionTtlSeconds,
      ),
    ]);
    return { token, expiresAt };
  }

  /** The live session a token stands for; undefined when forged, expired or revoked. */
  async resolve(token: string): Promise<SessionClaims | undefined> {
    const claims = await this.claimsOf(token);
    if (!claims) return undefined;
    const live = await this.sessions.existsBy({ id: claims.sessionId, userId: claims.userId, expiresAt: MoreThan(new Date()) });
    return live ? claims : undefined;
  }

  /**
   * What a token claims, when its signature and expiry hold; the session row is not checked
   * (the caller must: `resolve` does, `/auth/me` in the same query as the member it shows).
   */
  async claimsOf(token: string): Promise<SessionClaims | undefined> {
    const claims = await this.signingKeys.verify(token);
    if (!claims?.jti || !claims.sub || typeof claims.org !== 'string') return undefined;
    return { sessionId: claims.jti, userId: claims.sub, organizationId: claims.org };
  }

  /**
   * What /auth/me shows for a session token's claims, in one statement: undefined unless the
   * session is live (as in `resolve`: not revoked, not expired) and its membership still exists
   * (a removed member's sessions are gone with the membership, by the foreign key).
   */
  async memberView(claims: SessionClaims) {
    if (!isUuid(claims.sessionId) || !isUuid(claims.userId) || !isUuid(claims.organizationId)) return undefined;
    const rows = await MEMBER_VIEW.rows(this.sessions.manager.connection, [
      claims.sessionId,
      claims.userId,
      claims.organizationId,
      new Date(),
    ]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      user: { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name },
      organization: { id: row.organization_id, slug: row.slug },
      roles: row.roles,
    };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.sessions.delete({ id: sessionId });
  }
}
