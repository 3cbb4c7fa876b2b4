import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MagicLink } from './entities/magic-link.entity';
import { MagicLinkError, MagicLinkErrorCode } from './magic-link.error';
import { magicLinkMail } from './magic-link-mail';
import { FixedWindowLimiter } from '../common/fixed-window-limiter';
import { RateLimitedError } from '../common/errors';
import { hashOneTimeToken, newOneTimeToken } from '../common/one-time-token';
import { DomainsService } from '../domains/domains.service';
import { Organization } from '../organizations/entities/organization.entity';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { SessionsService, type IssuedSession } from '../auth/sessions.service';
import { safeReturnTarget } from '../auth/return-target';
import { MailService } from '../mail/mail.service';
import { BackgroundWork } from '../common/background-work';

const MAGIC_LINK_TTL_MINUTES = 15;
/** The session's `method`. */
const MAGIC_LINK_METHOD = 'magic_link';
const RATE_WINDOW_MS = 60 * 60 * 1000;
/** Used and expired links stay this long, so a late click is told why it fails. */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60 * 1000;
const PURGE_INTERVAL_MS = 60_000;

/** Why a link that exists could not be used (the caller checked that it was not consumed now). */
export function refusalOf(link: Pick<MagicLink, 'usedAt' | 'expiresAt'> | null): MagicLinkErrorCode {
  if (!link) return MagicLinkErrorCode.INVALID;
  return link.usedAt ? MagicLinkErrorCode.USED : MagicLinkErrorCode.EXPIRED;
}

/**
 * Email sign-in links, the way in before (or beside) SSO. A link is for the organization that
 * owns the email's domain (the one /sso/discover would pick), and only for its members and
 * pending invitations; an organization that requires SSO gets no links at all.
 */
@Injectable()
export class MagicLinksService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MagicLinksService.name);
  private readonly perEmail: FixedWindowLimiter;
  private readonly perIp: FixedWindowLimiter;
  private lastPurgeAt = 0;
  /** Link requests still being worked on after their answer; shutdown waits for them. */
  private readonly background = new BackgroundWork((error) => {
    this.logger.error(`magic link not sent: ${error instanceof Error ? error.message : error}`);
  });

  constructor(
    @InjectRepository(MagicLink) private readonly links: Repository<MagicLink>,
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    private readonly domains: DomainsService,
    private readonly provisioning: ProvisioningService,
    private readonly sessions: SessionsService,
    private readonly mail: MailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perEmail = new FixedWindowLimiter(config.magicLinkRateLimitPerEmail, RATE_WINDOW_MS);
    this.perIp = new FixedWindowLimiter(config.magicLinkRateLimitPerIp, RATE_WINDOW_MS);
  }

  /**
   * Sends a link when the email may sign in; otherwise does nothing, and the caller answers the
   * same either way. Only a domain's SSO requirement is told, because /sso/discover already
   * tells it to anyone. Whether the email is a member is looked up after the answer, in the
   * background: an answer that waited for that lookup (and for storing a link) would take longer
   * for members than for strangers.
   */
  async request(rawEmail: string, clientIp: string, requestedReturnTo: string | undefined): Promise<void> {
    const email = rawEmail.trim().toLowerCase();
    this.countAgainst(this.perIp, clientIp);
    this.countAgainst(this.perEmail, email);
    const owner = await this.domains.ownerOfEmail(email);
    if (!owner) return;
    const organization = await this.organizations.findOneByOrFail({ id: owner.organizationId });
    if (organization.ssoRequired) {
      throw new MagicLinkError(MagicLinkErrorCode.SSO_REQUIRED, `organization ${organization.id} requires SSO`, this.ssoUrlFor(email));
    }
    const returnTo = safeReturnTarget(requestedReturnTo, this.config.allowedReturnOrigins, this.config.appUrl);
    this.background.run(this.sendLinkIfAllowed(organization, email, returnTo));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before the database pool and the mail transport close (their own shutdown hooks).
    await this.background.settled();
  }

  private async sendLinkIfAllowed(organization: Organization, email: string, returnTo: string): Promise<void> {
    if (!(await this.provisioning.isMemberOrInvited(organization.id, email))) return;
    const { token, hash } = newOneTimeToken();
    await this.links.insert({
      organizationId: organization.id,
      tokenHash: hash,
      email,
      returnTo,
      expiresAt: new Date(Date.now() + MAGIC_LINK_TTL_MINUTES * 60_000),
    });
    this.purgeOldNow();
    const link = `${this.config.publicUrl}/auth/magic-link/verify?token=${token}`;
    this.mail.sendInBackground(magicLinkMail(email, organization.name, link, MAGIC_LINK_TTL_MINUTES), (receipt) => {
      if (receipt.via === 'smtp') return;
      // The link in the log is what makes an offline demo work; production logs are kept and
      // read by more people, so there only the file is named.
      const shown = this.config.production ? '' : `: ${link}`;
      this.logger.log(`no SMTP_URL: the sign-in link for ${email} is in ${receipt.file}${shown}`);
    });
  }

  /** Consumes the link (once, even when clicked twice at the same moment) and opens a session. */
  async verify(token: string | undefined): Promise<{ session: IssuedSession; returnTo: string }> {
    if (!token || token.length > 200) throw new MagicLinkError(MagicLinkErrorCode.INVALID, 'no token');
    const tokenHash = hashOneTimeToken(token);
    // One UPDATE decides: of two verifications racing, only one sees used_at still null.
    const consumed = await this.links
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('token_hash = :tokenHash AND used_at IS NULL AND expires_at > now()', { tokenHash })
      .returning('*')
      .execute();
    const row = (consumed.raw as { organization_id: string; email: string; return_to: string }[])[0];
    if (!row) {
      const code = refusalOf(await this.links.findOneBy({ tokenHash }));
      throw new MagicLinkError(code, 'the link cannot be used');
    }
    // The requirement may have been switched on since the link was sent.
    if (await this.ssoRequiredFor(row.organization_id, row.email)) {
      throw new MagicLinkError(MagicLinkErrorCode.SSO_REQUIRED, `organization ${row.organization_id} requires SSO`, this.ssoUrlFor(row.email));
    }
    const member = await this.provisioning.admitByEmail(row.organization_id, row.email, MAGIC_LINK_METHOD);
    if (!member) throw new MagicLinkError(MagicLinkErrorCode.NOT_A_MEMBER, 'membership or invitation gone since the link was sent');
    return { session: await this.sessions.issue(member, MAGIC_LINK_METHOD), returnTo: row.return_to };
  }

  private countAgainst(limiter: FixedWindowLimiter, key: string): void {
    const decision = limiter.hit(key);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
  }

  /** The link's organization, or the one owning the email's domain now, requires SSO. */
  private async ssoRequiredFor(organizationId: string, email: string): Promise<boolean> {
    const owner = await this.domains.ownerOfEmail(email);
    const ids = owner ? [organizationId, owner.organizationId] : [organizationId];
    return this.organizations.existsBy({ id: In(ids), ssoRequired: true });
  }

  /** /sso/discover picks the organization's active connection and sends the browser there. */
  private ssoUrlFor(email: string): string {
    return `${this.config.publicUrl}/sso/discover?email=${encodeURIComponent(email)}`;
  }

  private purgeOldNow(): void {
    if (Date.now() - this.lastPurgeAt < PURGE_INTERVAL_MS) return;
    this.lastPurgeAt = Date.now();
    void this.links.delete({ expiresAt: LessThan(new Date(Date.now() - KEEP_AFTER_EXPIRY_MS)) }).catch(() => undefined);
  }
}
