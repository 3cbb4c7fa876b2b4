import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { Application } from './entities/application.entity';
import { CreateApplicationInput, CreatedApplication } from './dto/application.input';
import { applicationUriProblem } from './application-rules';
import { AuditService } from '../audit/audit.service';
import { SecretsCipher } from '../common/secrets-cipher';
import { Caller, actorOf, isPlatformCaller } from '../common/caller';
import { BadInputError, ForbiddenError, NotFoundError } from '../common/errors';

/** What oidc-provider needs to know of an application (its client metadata). */
export interface ApplicationClient {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

/** The product's own apps, registered by a platform key; each is a client of the OpenID Provider. */
@Injectable()
export class ApplicationsService implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(Application) private readonly applications: Repository<Application>,
    private readonly dataSource: DataSource,
    private readonly cipher: SecretsCipher,
    private readonly audit: AuditService,
  ) {}

  /** After a SECRETS_KEY rotation, the client secrets move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'applications', 'client_secret_encrypted');
  }

  list(caller: Caller): Promise<Application[]> {
    assertPlatform(caller);
    return this.applications.find({ order: { createdAt: 'ASC' } });
  }

  async create(caller: Caller, input: CreateApplicationInput): Promise<CreatedApplication> {
    assertPlatform(caller);
    const redirectUris = checkedUris('redirectUris', input.redirectUris);
    const postLogoutRedirectUris = checkedUris('postLogoutRedirectUris', input.postLogoutRedirectUris ?? []);
    const initiateLoginUri =
      input.initiateLoginUri === undefined || input.initiateLoginUri === null
        ? null
        : checkedUris('initiateLoginUri', [input.initiateLoginUri])[0];
    const clientSecret = newClientSecret();
    const application = await this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(
        manager.create(Application, {
          name: input.name.trim(),
          clientId: `app_${randomBytes(12).toString('base64url')}`,
          clientSecretEncrypted: this.cipher.seal(clientSecret),
          redirectUris,
          postLogoutRedirectUris,
          initiateLoginUri,
        }),
      );
      await this.audit.record(manager, {
        organizationId: null,
        actor: actorOf(caller),
        action: 'application.created',
        targetId: saved.id,
        details: { name: saved.name, clientId: saved.clientId, redirectUris },
      });
      return saved;
    });
    return { application, clientSecret };
  }

  /** A new secret at once; the old one stops working (the app must be redeployed with the new one). */
  async rotateSecret(caller: Caller, id: string): Promise<CreatedApplication> {
    assertPlatform(caller);
    const clientSecret = newClientSecret();
    const application = await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOneBy(Application, { id });
      if (!found) throw new NotFoundError('application');
      await manager.update(Application, { id }, { clientSecretEncrypted: this.cipher.seal(clientSecret) });
      await this.audit.record(manager, {
        organizationId: null,
        actor: actorOf(caller),
        action: 'application.secret_rotated',
        targetId: id,
        details: { clientId: found.clientId },
      });
      return found;
    });
    return { application, clientSecret };
  }

  async delete(caller: Caller, id: string): Promise<boolean> {
    assertPlatform(caller);
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOneBy(Application, { id });
      if (!found) throw new NotFoundError('application');
      await manager.delete(Application, { id });
      await this.audit.record(manager, {
        organizationId: null,
        actor: actorOf(caller),
        action: 'application.deleted',
        targetId: id,
        details: { clientId: found.clientId },
      });
      return true;
    });
  }

  /** The client oidc-provider asked for, secret opened; undefined for an unknown client id. */
  async clientOf(clientId: string): Promise<ApplicationClient | undefined> {
    if (clientId.length > 64) return undefined;
    const application = await this.applications.findOneBy({ clientId });
    if (!application) return undefined;
    return {
      clientId: application.clientId,
      clientSecret: this.cipher.open(application.clientSecretEncrypted),
      name: application.name,
      redirectUris: application.redirectUris,
      postLogoutRedirectUris: application.postLogoutRedirectUris,
    };
  }

  /**
   * The application an IdP-initiated login is meant for: the one whose initiate login URI is the
   * target, else the oldest whose initiate login URI has the target's origin.
   */
  async applicationForTarget(target: string): Promise<Application | undefined> {
    let origin: string;
    try {
      origin = new URL(target).origin;
    } catch {
      return undefined;
    }
    if (origin === 'null') return undefined;
    const rows = (await this.applications.query(
      `SELECT id FROM applications WHERE initiate_login_uri = $1 OR starts_with(initiate_login_uri, $2)
       ORDER BY (initiate_login_uri = $1) DESC, created_at ASC LIMIT 1`,
      [target, `${origin}/`],
    )) as { id: string }[];
    return rows[0] ? ((await this.applications.findOneBy({ id: rows[0].id })) ?? undefined) : undefined;
  }
}

function assertPlatform(caller: Caller): void {
  if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform key may manage applications');
}

function checkedUris(field: string, uris: string[]): string[] {
  for (const uri of uris) {
    const problem = applicationUriProblem(uri);
    if (problem) throw new BadInputError(field, problem);
  }
  return [...new Set(uris)];
}

function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}
