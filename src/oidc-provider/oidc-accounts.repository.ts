import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/uuid.pipe';

/** What the OpenID Provider says about an account, read afresh for every token and userinfo answer. */
export interface AccountClaims {
  sub: string;
  email: string;
  email_verified: true;
  given_name?: string;
  family_name?: string;
  org: string;
  roles: string[];
}

@Injectable()
export class OidcAccountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The member's claims, or undefined when the user is no longer a member (removed: the app gets
   * no new token). `organizationId` narrows to one organization; without it, the user's first.
   */
  async claimsOf(userId: string, organizationId?: string): Promise<AccountClaims | undefined> {
    if (!isUuid(userId) || (organizationId !== undefined && !isUuid(organizationId))) return undefined;
    const rows = (await this.dataSource.query(
      `SELECT u.email, u.first_name, u.last_name, m.organization_id, m.roles
       FROM users u JOIN memberships m ON m.user_id = u.id
       WHERE u.id = $1 AND ($2::uuid IS NULL OR m.organization_id = $2)
       ORDER BY m.created_at ASC LIMIT 1`,
      [userId, organizationId ?? null],
    )) as { email: string; first_name: string | null; last_name: string | null; organization_id: string; roles: string[] }[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      sub: userId,
      // Only emails the checks trusted (verified, in the organization's domains) become users.
      email: row.email,
      email_verified: true,
      ...(row.first_name ? { given_name: row.first_name } : {}),
      ...(row.last_name ? { family_name: row.last_name } : {}),
      org: row.organization_id,
      roles: row.roles,
    };
  }
}
