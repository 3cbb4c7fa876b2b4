import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Not, Repository } from 'typeorm';
import { growingLruCache } from '../common/growing-lru-cache';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Connection, ConnectionState, ConnectionType } from './entities/connection.entity';
import { CreateConnectionInput, UpdateConnectionInput } from './dto/connection.input';
import { PRESETS, type PresetInput } from './presets';
import { IdpMetadataService, type IdpEndpoints } from './idp-metadata.service';
import { SecretsCipher } from '../common/secrets-cipher';
import { Caller, actorOf, assertCanActOn, withinCallerScope } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { deleteAudited } from '../audit/audited-delete';
import { Organization } from '../organizations/entities/organization.entity';
import { SsoReadiness } from '../organizations/sso-readiness';
import { RowReader } from '../database/row-reader';
import { DatabaseNotifications } from '../database/notifications';
import { NotifiedCache } from '../common/notified-cache';
import { missingClientSecret } from './token-security';

/** What the connections table's triggers notify, with the connection's id, at the commit of any change a login would see. */
const CONNECTION_CHANGED_CHANNEL = 'connection_changed';
/** A verified connection's last login is written at most this often per instance: a minute-grained signal, not a log. */
const RECORD_LOGIN_EVERY_MS = 60_000;
const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const ENDPOINT_FIELDS = [
  'entraTenant',
  'oktaDomain',
  'authorizationServerId',
  'discoveryUrl',
  'issuer',
  'authorizationUrl',
  'tokenUrl',
  'jwksUrl',
] as const;
/** Which client at which IdP a login goes through: a sign-in proves these, and a change leaves them unproven. */
const MANUAL_FIELDS = ['issuer', 'authorizationUrl', 'tokenUrl', 'jwksUrl'] as const;
const LOGIN_PATH_FIELDS = ['clientId', 'tokenEndpointAuthMethod', ...ENDPOINT_FIELDS] as const;
type LoginPathField = (typeof LOGIN_PATH_FIELDS)[number];
const LAST_VERIFIED_CONNECTION =
  'is the organization’s last ACTIVE connection with a successful sign-in, and the organization requires SSO: nobody could sign in. ' +
  'Verify another connection first, or turn ssoRequired off';
const LAST_VERIFIED_CONNECTION_CHANGED =
  'would change the organization’s last ACTIVE connection with a successful sign-in, and the organization requires SSO: ' +
  'the new settings are unproven and nobody might sign in. Verify another connection first, or turn ssoRequired off';

@Injectable()
export class ConnectionsService implements OnApplicationBootstrap, SsoReadiness {
  private readonly loginsRecorded = growingLruCache<string, true>(100_000, { ttl: RECORD_LOGIN_EVERY_MS });
  private readonly byId: RowReader<Connection>;
  /** Connections as logins read them (an unknown id too), frozen, by id. */
  private readonly forLogin: NotifiedCache<Readonly<Connection> | null>;

  constructor(
    @InjectRepository(Connection) private readonly connections: Repository<Connection>,
    private readonly dataSource: DataSource,
    private readonly metadata: IdpMetadataService,
    private readonly cipher: SecretsCipher,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    notifications: DatabaseNotifications,
  ) {
    this.byId = new RowReader(connections, 'id = $1');
    this.forLogin = new NotifiedCache(notifications, CONNECTION_CHANGED_CHANNEL, 10_000);
  }

  /** After a SECRETS_KEY rotation, the client secrets move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'connections', 'client_secret_encrypted');
  }

  redirectUri(connection: Pick<Connection, 'id'>): string {
    return `${this.config.publicUrl}/sso/callback/${connection.id}`;
  }

  initiateLoginUri(connection: Pick<Connection, 'id'>): string {
    return `${this.config.publicUrl}/sso/initiate/${connection.id}`;
  }

  /** The connection, if it exists and the caller may see it. */
  find(caller: Caller, id: string): Promise<Connection | null> {
    return this.connections.findOneBy(withinCallerScope(caller, { id }));
  }

  /**
   * A connection by id for the login flow (no caller: the browser is anonymous). Two reads per
   * login, so kept in memory until a change commits (the table's triggers notify every instance;
   * this instance's own writes forget at once). Frozen: concurrent logins share it.
   */
  async findForLogin(id: string): Promise<Readonly<Connection> | null> {
    // Kept by the id as PostgreSQL writes it (lower case), the one its notifications name: an
    // upper-case spelling of the same id must not keep a copy that nothing forgets.
    const key = id.toLowerCase();
    const kept = this.forLogin.peek(key);
    if (kept) return kept.value;
    return this.forLogin.load(key, '', async () => {
      const connection = await this.byId.one([key]);
      return connection && Object.freeze(connection);
    });
  }

  /** The organization's active connection for email discovery (the oldest, when several). */
  activeConnectionOf(organizationId: string): Promise<Connection | null> {
    return this.connections.findOne({ where: { organizationId, state: ConnectionState.ACTIVE }, order: { createdAt: 'ASC' } });
  }

  /** An ACTIVE connection someone has signed in through: the guard against SSO lockouts. */
  hasVerifiedConnection(manager: EntityManager, organizationId: string, exceptConnectionId?: string): Promise<boolean> {
    return manager.existsBy(Connection, {
      organizationId,
      state: ConnectionState.ACTIVE,
      verifiedAt: Not(IsNull()),
      ...(exceptConnectionId ? { id: Not(exceptConnectionId) } : {}),
    });
  }

  /**
   * A successful sign-in proves the connection works: the SSO lockout guard relies on it. An
   * unverified connection is always written (verified_at is set at once); a verified one at most
   * once a minute per instance, since an UPDATE per login would queue every login of an
   * organization on one row lock. A sign-in proves the connection as the login read it
   * (`version`): when the client or IdP changed meanwhile, it verifies nothing.
   */
  async recordLogin(connection: Pick<Connection, 'id' | 'verifiedAt' | 'version'>): Promise<void> {
    if (connection.verifiedAt && this.loginsRecorded.has(connection.id)) return;
    this.loginsRecorded.set(connection.id, true);
    const { id, version } = connection;
    await this.connections
      .createQueryBuilder()
      .update()
      .set({
        lastLoginAt: () => 'now()',
        verifiedAt: () => 'CASE WHEN version = :version THEN COALESCE(verified_at, now()) ELSE verified_at END',
      })
      .where('id = :id', { id })
      .setParameter('version', version)
      .execute();
    if (!connection.verifiedAt) this.forLogin.invalidate(id);
  }

  /** The client secret, for the token request and HS* ID tokens only; null for a private_key_jwt client without one. */
  clientSecretOf(connection: Connection): string | null {
    return connection.clientSecretEncrypted === null ? null : this.cipher.open(connection.clientSecretEncrypted);
  }

  /** Where IdPs fetch the public keys of the service's private_key_jwt client assertions (served by the SSO routes). */
  clientJwksUri(): string {
    return `${this.config.publicUrl}/sso/client-jwks.json`;
  }

  async forOrganizations(organizationIds: readonly string[]): Promise<Map<string, Connection[]>> {
    const rows = await this.connections.find({ where: { organizationId: In([...organizationIds]) }, order: { createdAt: 'ASC' } });
    const byOrganization = new Map<string, Connection[]>(organizationIds.map((id) => [id, []]));
    for (const row of rows) byOrganization.get(row.organizationId)?.push(row);
    return byOrganization;
  }

  /**
   * Connections by days to secret expiry, soonest first, those without a date last. A platform
   * key without an organization sees every organization's.
   */
  bySecretExpiry(caller: Caller, organizationId: string | undefined, withinDays: number | undefined): Promise<Connection[]> {
    if (organizationId) assertCanActOn(caller, organizationId);
    if (withinDays !== undefined && (withinDays < 0 || withinDays > 3650))
      throw new BadInputError('withinDays', 'must be between 0 and 3650');
    const scope = organizationId ?? caller.organizationId;
    const query = this.connections
      .createQueryBuilder('connection')
      .orderBy('connection.client_secret_expires_at', 'ASC', 'NULLS LAST')
      .addOrderBy('connection.created_at', 'ASC');
    if (scope) query.andWhere('connection.organization_id = :scope', { scope });
    if (withinDays !== undefined) {
      query.andWhere('connection.client_secret_expires_at <= now() + make_interval(days => :withinDays)', { withinDays });
    }
    return query.take(1000).getMany();
  }

  /** `id` is for a connection whose redirect URI was handed out before it existed (the setup portal reserves one). */
  async create(caller: Caller, input: CreateConnectionInput, options: { id?: string } = {}): Promise<Connection> {
    assertCanActOn(caller, input.organizationId);
    if (!(await this.dataSource.getRepository(Organization).existsBy({ id: input.organizationId }))) {
      throw new NotFoundError('organization');
    }
    if (input.clientSecret != null && !input.clientSecret.trim()) throw new BadInputError('clientSecret', 'must not be empty');
    const endpoints = await this.resolveEndpoints(input.type, input);
    assertClientCredentials({
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? null,
      tokenEndpointAuthMethodsSupported: endpoints.tokenEndpointAuthMethodsSupported,
      allowSymmetricIdTokenSignature: input.allowSymmetricIdTokenSignature ?? false,
      hasClientSecret: input.clientSecret != null,
    });
    const created = this.dataSource.transaction(async (manager) => {
      const connection = manager.create(Connection, {
        ...(options.id ? { id: options.id } : {}),
        organizationId: input.organizationId,
        name: input.name?.trim() || defaultName(input.type),
        type: input.type,
        state: ConnectionState.ACTIVE,
        clientId: input.clientId.trim(),
        ...(input.clientSecret != null ? this.sealSecret(input.clientSecret) : { clientSecretEncrypted: null, clientSecretHint: '' }),
        clientSecretExpiresAt: input.clientSecretExpiresAt ?? null,
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? null,
        allowSymmetricIdTokenSignature: input.allowSymmetricIdTokenSignature ?? false,
        entraTenant: input.entraTenant?.trim().toLowerCase() || null,
        oktaDomain: input.oktaDomain?.trim() || null,
        authorizationServerId: input.authorizationServerId?.trim() || null,
        ...endpoints,
        groupsClaim: input.groupsClaim ?? 'groups',
        scopes: normaliseScopes(input.scopes),
      });
      await manager.save(connection);
      await this.audit.record(manager, {
        organizationId: connection.organizationId,
        actor: actorOf(caller),
        action: 'connection.created',
        targetId: connection.id,
        details: { type: connection.type, issuer: connection.issuer },
      });
      return connection;
    });
    // A reserved id may have been looked up (and found unknown) before.
    return options.id ? this.forgottenHereAfter(options.id, created) : created;
  }

  async update(caller: Caller, id: string, input: UpdateConnectionInput): Promise<Connection> {
    const current = await this.find(caller, id);
    if (!current) throw new NotFoundError('connection');
    const endpointsChanged = ENDPOINT_FIELDS.some((field) => input[field] != null);
    // Discovery happens before the transaction: a slow IdP must not hold a row lock.
    const endpoints = endpointsChanged ? await this.resolveEndpoints(current.type, presetInputForUpdate(current, input)) : undefined;
    const deactivates = input.state === ConnectionState.INACTIVE;
    const updated = this.dataSource.transaction(async (manager) => {
      // The organization before the connection, the order deleteConnection locks them in too.
      const organization =
        deactivates || endpointsChanged || input.clientId != null ? await this.lockOrganization(manager, current.organizationId) : null;
      const connection = await manager.findOne(Connection, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!connection) throw new NotFoundError('connection');
      const rebound = loginPathChanges(connection, input, endpoints);
      if (organization && deactivates)
        await this.assertNotLastVerified(manager, organization, connection, 'state', LAST_VERIFIED_CONNECTION);
      if (organization && rebound.length) {
        const field = rebound.find((name) => input[name] != null) ?? rebound[0];
        await this.assertNotLastVerified(manager, organization, connection, field, LAST_VERIFIED_CONNECTION_CHANGED);
      }
      const changed: string[] = [];
      // null means "leave as is", except for the fields that may be cleared.
      const set = <K extends keyof Connection>(key: K, value: Connection[K] | undefined | null) => {
        if (value === undefined || (value === null && key !== 'clientSecretExpiresAt' && key !== 'tokenEndpointAuthMethod')) return;
        changed.push(key);
        connection[key] = value as Connection[K];
      };
      set('name', input.name?.trim());
      set('clientId', input.clientId?.trim());
      // The same date saved again (an admin re-saving the form) is no change: warnings given stay given.
      if ((input.clientSecretExpiresAt?.getTime() ?? null) !== (connection.clientSecretExpiresAt?.getTime() ?? null)) {
        set('clientSecretExpiresAt', input.clientSecretExpiresAt);
      }
      set('groupsClaim', input.groupsClaim);
      set('scopes', input.scopes ? normaliseScopes(input.scopes) : undefined);
      set('state', input.state);
      if (input.tokenEndpointAuthMethod !== undefined && input.tokenEndpointAuthMethod !== connection.tokenEndpointAuthMethod)
        set('tokenEndpointAuthMethod', input.tokenEndpointAuthMethod);
      set('allowSymmetricIdTokenSignature', input.allowSymmetricIdTokenSignature);
      if (input.clientSecret != null) {
        if (!input.clientSecret.trim()) throw new BadInputError('clientSecret', 'must not be empty');
        Object.assign(connection, this.sealSecret(input.clientSecret));
        changed.push('clientSecret');
        // The expiry date belonged to the old secret: a new secret without one is UNKNOWN, not
        // "expiring" on the old one's date.
        if (input.clientSecretExpiresAt === undefined) set('clientSecretExpiresAt', null);
      }
      if (changed.includes('clientSecret') || changed.includes('clientSecretExpiresAt')) connection.secretExpiryWarnedDays = [];
      set('entraTenant', input.entraTenant?.trim().toLowerCase() || undefined);
      for (const field of ['oktaDomain', 'authorizationServerId'] as const) set(field, input[field]?.trim() || undefined);
      if (endpoints) Object.assign(connection, endpoints);
      assertClientCredentials({ ...connection, hasClientSecret: connection.clientSecretEncrypted !== null });
      // A sign-in proved the old client and IdP, not these: the lockout guard must not count on them.
      if (rebound.length && connection.verifiedAt) {
        connection.verifiedAt = null;
        changed.push('verifiedAt');
      }
      connection.version += 1;
      await manager.save(connection);
      await this.audit.record(manager, {
        organizationId: connection.organizationId,
        actor: actorOf(caller),
        action: 'connection.updated',
        targetId: id,
        details: { changed: [...new Set(changed)], ...(endpoints ? { issuer: endpoints.issuer } : {}) },
      });
      return connection;
    });
    return this.forgottenHereAfter(id, updated);
  }

  delete(caller: Caller, id: string): Promise<boolean> {
    const deleted = deleteAudited(this.dataSource, this.audit, caller, Connection, id, {
      label: 'connection',
      action: 'connection.deleted',
      details: (row) => ({ name: row.name }),
      beforeDelete: async (manager, row) => {
        const organization = await this.lockOrganization(manager, row.organizationId);
        // Read again under the lock: the row read before it may predate a sign-in that verified
        // this connection, or a change that took the organization's other one out of service.
        const connection = await manager.findOne(Connection, { where: { id: row.id }, lock: { mode: 'pessimistic_write' } });
        if (!connection) throw new NotFoundError('connection');
        await this.assertNotLastVerified(manager, organization, connection, 'id', LAST_VERIFIED_CONNECTION);
      },
    });
    return this.forgottenHereAfter(id, deleted);
  }

  /**
   * Once a write to the connection is over, this instance forgets what logins read of it at once;
   * the other instances do when the trigger's notification reaches them.
   */
  private async forgottenHereAfter<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.forLogin.invalidate(id);
    }
  }

  /**
   * Locks the organization row, so that taking connections out of service and switching
   * ssoRequired on run one after the other: each then sees what the one before it did.
   */
  private async lockOrganization(manager: EntityManager, organizationId: string): Promise<Organization> {
    const organization = await manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!organization) throw new NotFoundError('organization');
    return organization;
  }

  /** Refuses to take the last verified ACTIVE connection out of service, or to unprove it, while SSO is required. */
  private async assertNotLastVerified(
    manager: EntityManager,
    organization: Organization,
    connection: Connection,
    field: string,
    reason: string,
  ): Promise<void> {
    if (!organization.ssoRequired || connection.state !== ConnectionState.ACTIVE || !connection.verifiedAt) return;
    if (await this.hasVerifiedConnection(manager, organization.id, connection.id)) return;
    throw new BadInputError(field, reason);
  }

  private async resolveEndpoints(type: Connection['type'], input: PresetInput): Promise<IdpEndpoints> {
    const location = PRESETS[type].locate(input, this.config);
    const field = input.discoveryUrl
      ? 'discoveryUrl'
      : type === ConnectionType.ENTRA_ID
        ? 'entraTenant'
        : type === ConnectionType.OKTA
          ? 'oktaDomain'
          : 'issuer';
    return this.metadata.resolve(location, field);
  }

  private sealSecret(secret: string): Pick<Connection, 'clientSecretEncrypted' | 'clientSecretHint'> {
    return { clientSecretEncrypted: this.cipher.seal(secret), clientSecretHint: secret.slice(-4) };
  }
}

/**
 * The stored settings overlaid with the update's. A new discovery URL brings its own issuer
 * (unless one is named with it); manual endpoints without a discovery URL switch to a manual setup.
 */
function presetInputForUpdate(current: Connection, input: UpdateConnectionInput): PresetInput {
  const update = definedOnly(input);
  const base: PresetInput = { ...current };
  if (update.discoveryUrl) base.issuer = undefined;
  else if (MANUAL_FIELDS.some((field) => update[field])) base.discoveryUrl = undefined;
  return { ...base, ...update };
}

/** BAD_USER_INPUT for a connection that lacks the client secret its settings need. */
function assertClientCredentials(settings: Parameters<typeof missingClientSecret>[0]): void {
  const missing = missingClientSecret(settings);
  if (missing) throw new BadInputError(missing.field, missing.reason);
}

function defaultName(type: Connection['type']): string {
  return { ENTRA_ID: 'Microsoft Entra ID', OKTA: 'Okta', GENERIC_OIDC: 'OpenID Connect' }[type];
}

function normaliseScopes(scopes: string[] | undefined): string[] {
  const unique = [...new Set(scopes?.length ? scopes : DEFAULT_SCOPES)];
  return unique.includes('openid') ? unique : ['openid', ...unique];
}

/**
 * The login-path fields an update would really change: a value saved again is no change, and an
 * endpoint counts by what discovery resolved it to (the same URL may now name other endpoints).
 */
function loginPathChanges(connection: Connection, input: UpdateConnectionInput, endpoints: IdpEndpoints | undefined): LoginPathField[] {
  const next: Partial<Record<LoginPathField, string | null>> = {
    clientId: input.clientId?.trim(),
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    entraTenant: input.entraTenant?.trim().toLowerCase() || undefined,
    oktaDomain: input.oktaDomain?.trim() || undefined,
    authorizationServerId: input.authorizationServerId?.trim() || undefined,
    ...(endpoints
      ? {
          discoveryUrl: endpoints.discoveryUrl,
          issuer: endpoints.issuer,
          authorizationUrl: endpoints.authorizationUrl,
          tokenUrl: endpoints.tokenUrl,
          jwksUrl: endpoints.jwksUrl,
        }
      : {}),
  };
  return LOGIN_PATH_FIELDS.filter((field) => next[field] !== undefined && next[field] !== connection[field]);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
