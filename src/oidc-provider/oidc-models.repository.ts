import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { isForeignKeyViolation } from '../database/postgres-errors';
import { OidcModel } from './entities/oidc-model.entity';

const PURGE_INTERVAL_MS = 60_000;
/**
 * The kinds a grant's revocation removes (oidc-provider's own adapters keep the same list): an
 * Interaction or a Session that merely names a grant outlives it.
 */
const GRANTABLE_KINDS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

type Payload = Record<string, unknown>;

/**
 * A grant, code or token was not stored: the service session it belongs to ended (a logout, the
 * member removed) while the request that gives it was at work, and the foreign key refused it.
 */
export class ServiceSessionEndedError extends Error {
  constructor() {
    super('the service session this grant belongs to has ended');
    this.name = ServiceSessionEndedError.name;
  }
}

/** The SQL of oidc-provider's storage: one table, one row per stored object, keyed by kind and id. */
@Injectable()
export class OidcModelsRepository {
  private lastPurgeAt = 0;

  constructor(@InjectRepository(OidcModel) private readonly models: Repository<OidcModel>) {}

  /**
   * A code or token takes its grant's service session (see bindGrantToSession), and is not stored
   * at all once its grant is gone: a logout that deleted the grant while the token endpoint was at
   * work leaves the token it hands out unknown, hence useless. A logout that deletes the session
   * while this very statement runs (it read the grant, the session is gone by the foreign key's
   * check) throws ServiceSessionEndedError.
   */
  async upsert(kind: string, id: string, payload: Payload, expiresInSeconds: number | undefined): Promise<void> {
    this.purgeExpiredNow();
    const grantId = GRANTABLE_KINDS.has(kind) ? stringOrNull(payload.grantId) : null;
    await this.refusingEndedSessions(() =>
      this.models.query(
        `INSERT INTO oidc_models (kind, id, payload, grant_id, uid, user_code, expires_at, service_session_id)
         SELECT $1::varchar, $2::varchar, $3::jsonb, $4::varchar, $5::varchar, $6::varchar, $7::timestamptz, grant_row.service_session_id
         FROM (VALUES (1)) AS one
         LEFT JOIN oidc_models grant_row ON grant_row.kind = 'Grant' AND grant_row.id = $4::varchar
         WHERE $4::varchar IS NULL OR grant_row.id IS NOT NULL
         ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
           user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at,
           service_session_id = COALESCE(EXCLUDED.service_session_id, oidc_models.service_session_id)`,
        [
          kind,
          id,
          JSON.stringify(payload),
          grantId,
          stringOrNull(payload.uid),
          stringOrNull(payload.userCode),
          expiresInSeconds === undefined ? null : new Date(Date.now() + expiresInSeconds * 1000),
        ],
      ),
    );
  }

  /**
   * Ties a grant, and so every code and token it gives, to the service session it was given
   * through: ending the session deletes them (the foreign key cascades). A session that ended in
   * the meantime fails the foreign key: the grant, tied to nothing, is deleted, and
   * ServiceSessionEndedError thrown.
   */
  async bindGrantToSession(grantId: string, serviceSessionId: string): Promise<void> {
    try {
      await this.refusingEndedSessions(() =>
        this.models.query(`UPDATE oidc_models SET service_session_id = $2 WHERE kind = 'Grant' AND id = $1`, [grantId, serviceSessionId]),
      );
    } catch (error) {
      if (error instanceof ServiceSessionEndedError) await this.destroy('Grant', grantId);
      throw error;
    }
  }

  find(kind: string, id: string): Promise<Payload | undefined> {
    return this.findWhere(kind, 'id', id);
  }

  findByUid(kind: string, uid: string): Promise<Payload | undefined> {
    return this.findWhere(kind, 'uid', uid);
  }

  findByUserCode(kind: string, userCode: string): Promise<Payload | undefined> {
    return this.findWhere(kind, 'user_code', userCode);
  }

  async consume(kind: string, id: string): Promise<void> {
    await this.models.query('UPDATE oidc_models SET consumed_at = now() WHERE kind = $1 AND id = $2 AND consumed_at IS NULL', [kind, id]);
  }

  async destroy(kind: string, id: string): Promise<void> {
    await this.models.query('DELETE FROM oidc_models WHERE kind = $1 AND id = $2', [kind, id]);
  }

  /** Every code and token of a grant. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.models.query('DELETE FROM oidc_models WHERE grant_id = $1', [grantId]);
  }

  private async findWhere(kind: string, column: 'id' | 'uid' | 'user_code', value: string): Promise<Payload | undefined> {
    const rows = (await this.models.query(
      `SELECT payload, consumed_at FROM oidc_models WHERE kind = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
      [kind, value],
    )) as { payload: Payload; consumed_at: Date | null }[];
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) } : row.payload;
  }

  /** The table's one foreign key is service_session_id's: its violation means the session has ended. */
  private async refusingEndedSessions(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new ServiceSessionEndedError();
      throw error;
    }
  }

  /** Expired objects are never read again; sweep them at most once a minute. */
  private purgeExpiredNow(): void {
    if (Date.now() - this.lastPurgeAt < PURGE_INTERVAL_MS) return;
    this.lastPurgeAt = Date.now();
    void this.models.delete({ expiresAt: LessThan(new Date()) }).catch(() => undefined);
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
