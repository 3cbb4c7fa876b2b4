import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { SetupLink, SetupLinkView } from './entities/setup-link.entity';
import { SetupSession } from './entities/setup-session.entity';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Caller, actorOf, assertCanActOn, withinCallerScope } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { hashOneTimeToken, newOneTimeToken } from '../common/one-time-token';
import { AuditService } from '../audit/audit.service';
import { Organization } from '../organizations/entities/organization.entity';
import { MailService } from '../mail/mail.service';
import { escapeHtml } from '../common/html';

export const DEFAULT_SETUP_LINK_HOURS = 72;
export const MAX_SETUP_LINK_HOURS = 720;
/** A portal left alone this long asks for a new link: the session is a key to the organization's SSO. */
export const SETUP_SESSION_IDLE_MINUTES = 30;
const MAX_TOKEN_LENGTH = 200;

/** Why a setup link or portal session does not open, in words for the IT admin. */
export type SetupLinkRefusal = 'unknown' | 'expired' | 'revoked' | 'used';

/** A live portal session: which organization it may set up, and as whom the audit log names it. */
export interface SetupPortal {
  sessionId: string;
  link: SetupLink;
  organization: Organization;
  caller: Caller;
}

@Injectable()
export class SetupLinksService {
  constructor(
    @InjectRepository(SetupLink) private readonly links: Repository<SetupLink>,
    @InjectRepository(SetupSession) private readonly sessions: Repository<SetupSession>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: Caller, organizationId: string, expiresInHours = DEFAULT_SETUP_LINK_HOURS, sendTo?: string): Promise<SetupLinkView> {
    if (!Number.isInteger(expiresInHours) || expiresInHours < 1 || expiresInHours > MAX_SETUP_LINK_HOURS) {
      throw new BadInputError('expiresInHours', `must be a whole number of hours from 1 to ${MAX_SETUP_LINK_HOURS}`);
    }
    assertCanActOn(caller, organizationId);
    const { token, hash } = newOneTimeToken();
    const { link, organization } = await this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOneBy(Organization, { id: organizationId });
      if (!organization) throw new NotFoundError('organization');
      const link = await manager.save(
        manager.create(SetupLink, {
          organizationId,
          tokenHash: hash,
          connectionId: randomUUID(),
          expiresAt: new Date(Date.now() + expiresInHours * 3_600_000),
          createdBy: actorOf(caller),
        }),
      );
      await this.audit.record(manager, {
        organizationId,
        actor: actorOf(caller),
        action: 'setup_link.created',
        targetId: link.id,
        details: { expiresAt: link.expiresAt.toISOString(), mailedTo: sendTo ?? null },
      });
      return { link, organization };
    });
    const url = `${this.config.publicUrl}/setup/link/${token}`;
    if (sendTo) this.mailLink(sendTo, organization, url, link.expiresAt);
    return { id: link.id, organizationId, url, expiresAt: link.expiresAt };
  }

  async revoke(caller: Caller, id: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const link = await manager.findOneBy(SetupLink, withinCallerScope(caller, { id }));
      if (!link) throw new NotFoundError('setup link');
      if (!link.revokedAt) await manager.update(SetupLink, { id }, { revokedAt: new Date() });
      await manager.delete(SetupSession, { setupLinkId: id });
      await this.audit.record(manager, {
        organizationId: link.organizationId,
        actor: actorOf(caller),
        action: 'setup_link.revoked',
        targetId: id,
      });
      return true;
    });
  }

  /** The link a token names, for the page that asks before using it up (GET never uses it). */
  async inspect(token: string): Promise<{ link: SetupLink; organization: Organization } | { refusal: SetupLinkRefusal }> {
    const link = await this.links.findOne({ where: { tokenHash: hashOf(token) }, relations: { organization: true } });
    if (!link?.organization) return { refusal: 'unknown' };
    const refusal = refusalOf(link) ?? (link.openedAt ? 'used' : null);
    return refusal ? { refusal } : { link, organization: link.organization };
  }

  /** Uses the link up and starts its one portal session; answers the session's cookie value. */
  async open(token: string): Promise<{ sessionToken: string } | { refusal: SetupLinkRefusal }> {
    const session = newOneTimeToken();
    const opened = await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `UPDATE setup_links SET opened_at = now()
          WHERE token_hash = $1 AND opened_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING id, organization_id`,
        [hashOf(token)],
      )) as [{ id: string; organization_id: string }[], number];
      const link = rows[0][0];
      if (!link) return null;
      await manager.insert(SetupSession, { setupLinkId: link.id, tokenHash: session.hash, lastSeenAt: new Date() });
      await this.audit.record(manager, {
        organizationId: link.organization_id,
        actor: `setup_link:${link.id}`,
        action: 'setup_link.opened',
        targetId: link.id,
      });
      return link;
    });
    if (opened) return { sessionToken: session.token };
    const inspected = await this.inspect(token);
    return { refusal: 'refusal' in inspected ? inspected.refusal : 'used' };
  }

  /** The portal a session cookie opens: only while its link is live and the session was used recently. */
  async portalOf(sessionToken: string | undefined): Promise<SetupPortal | { refusal: SetupLinkRefusal } | null> {
    if (!sessionToken) return null;
    const session = await this.sessions.findOne({
      where: { tokenHash: hashOf(sessionToken) },
      relations: { setupLink: { organization: true } },
    });
    const link = session?.setupLink;
    if (!session || !link?.organization) return null;
    const refusal = refusalOf(link);
    if (refusal) return { refusal };
    if (Date.now() - session.lastSeenAt.getTime() > SETUP_SESSION_IDLE_MINUTES * 60_000) {
      await this.sessions.delete({ id: session.id });
      return null;
    }
    await this.sessions.update({ id: session.id }, { lastSeenAt: new Date() });
    return {
      sessionId: session.id,
      link,
      organization: link.organization,
      caller: { apiKeyId: `setup_link:${link.id}`, organizationId: link.organizationId, scopes: ['admin'], actor: `setup_link:${link.id}` },
    };
  }

  async endSession(sessionToken: string): Promise<void> {
    await this.sessions.delete({ tokenHash: hashOf(sessionToken) });
  }

  /** The form token of a session: derived from its cookie, which scripts and other sites cannot read. */
  csrfTokenOf(sessionToken: string): string {
    return createHash('sha256').update(`setup-csrf:${sessionToken}`).digest('base64url');
  }

  csrfTokenMatches(sessionToken: string, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const expected = Buffer.from(this.csrfTokenOf(sessionToken));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mailLink(to: string, organization: Organization, url: string, expiresAt: Date): void {
    const until = expiresAt.toUTCString();
    this.mail.sendInBackground(
      {
        to,
        subject: `Set up single sign-on for ${organization.name}`,
        text: `You have been asked to set up single sign-on for ${organization.name}.\n\nOpen this link to start (it works once, until ${until}):\n${url}\n`,
        html: `<p>You have been asked to set up single sign-on for ${escapeHtml(organization.name)}.</p><p><a href="${escapeHtml(url)}">Start the setup</a> (the link works once, until ${escapeHtml(until)}).</p>`,
      },
      () => undefined,
    );
  }
}

function hashOf(token: string): string {
  return hashOneTimeToken(token.slice(0, MAX_TOKEN_LENGTH));
}

/** Why a link (or a session it started) no longer opens the portal; null while it does. */
export function refusalOf(link: Pick<SetupLink, 'revokedAt' | 'expiresAt'>, now = Date.now()): SetupLinkRefusal | null {
  if (link.revokedAt) return 'revoked';
  if (link.expiresAt.getTime() <= now) return 'expired';
  return null;
}
