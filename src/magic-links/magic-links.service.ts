import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MagicLink } from './entities/magic-link.entity';
import { MagicLinkError, MagicLinkErrorCode } from './magic-link.error';
import { magicLinkMail } from './magic-link-mail';
import { RateLimitsService, type RateLimit } from '../rate-limits/rate-limits.service';
import { hashOneTimeToken, newOneTimeToken } from '../common/one-time-token';
import { DomainsService } from '../domains/domains.service';
import { Organization } from '../organizations/entities/organization.entity';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { SessionsService, type IssuedSession } from '../auth/sessions.service';
import { safeReturnTarget } from '../auth/return-target';
import { MailService } from '../mail/mail.service';
import { BackgroundWork } from '../common/background-work';
import { normalizeEmail } from '../common/email';

export const MAGIC_LINK_TTL_MINUTES = 15;
/** The session's `method`. */
const MAGIC_LINK_METHOD = 'magic_link';
const REQUEST_WINDOW_SECONDS = 60 * 60;
const MAIL_WINDOW_SECONDS = 60;
/** Longer than any token this service hands out; a longer one is refused unread. */
const MAX_TOKEN_LENGTH = 200;
/** Used and expired links stay this long, so a late click is told why it fails. */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60 * 1000;
const PURGE_INTERVAL_MS = 60_000;

/** Why a link that exists could not be used (the caller checked that it was not consumed now). */
export function refusalOf(link: Pick<MagicLink, 'usedAt' | 'expiresAt'> | null): MagicLinkErrorCode {
  if (!link) return MagicLinkErrorCode.INVALID;
  return link.usedAt ? MagicLinkErrorCode.USED : MagicLinkErrorCode.EXPIRED;
}

/** Why a link may not be used now, or null when it may: the one rule, for the page and the sign-in alike. */
export function unusableBecause(link: Pick<MagicLink, 'usedAt' | 'expiresAt'> | null, now: Date): MagicLinkErrorCode | null {
  if (link && !link.usedAt && link.expiresAt.getTime() > now.getTime()) return null;
  return refusalOf(link);
}

/** The per-email request limit is kept per requesting address: a stranger's requests count against the stranger only. */
export function emailRequestKey(email: string, clientIp: string): string {
  return `${email}\n${clientIp}`;
}

/** What the confirmation page names before anyone signs in. */
export interface MagicLinkPreview {
  email: string;
  organizationName: string;
}

/**
 * Email sign-in links, the way in before (or beside) SSO. A link is for the organization that
 * owns the email's domain (the one /sso/discover would pick), and only for its members and
 * pending invitations; an organization that requires SSO gets no links at all.
 */
@Injectable()
export class MagicLinksService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MagicLinksService.name);
  private readonly perIp: RateLimit;
  private readonly perEmailFromIp: RateLimit;
  private readonly mailsPerEmail: RateLimit;
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
    rateLimits: RateLimitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perIp = rateLimits.limit({
      name: 'magic_link_ip',
      points: config.magicLinkRateLimitPerIp,
      durationSeconds: REQUEST_WINDOW_SECONDS,
    });
    this.perEmailFromIp = rateLimits.limit({
      name: 'magic_link_email_ip',
      points: config.magicLinkRateLimitPerEmail,
      durationSeconds: REQUEST_WINDOW_SECONDS,
    });
    this.mailsPerEmail = rateLimits.limit({
      name: 'magic_link_mail',
      points: config.magicLinkMailsPerEmailPerMinute,
      durationSeconds: MAIL_WINDOW_SECONDS,
    });
  }

  /**
   * Sends a link when the email may sign in; otherwise does nothing, and the caller answers the
   * same either way. Only a domain's SSO requirement is told, because /sso/discover already
   * tells it to anyone. Whether the email is a member is looked up after the answer, in the
   * background: an answer that waited for that lookup (and for storing a link) would take longer
   * for members than for strangers.
   *
   * Requests are limited per client IP and per email from that IP (a 429, the same for every
   * email); mail to one address is limited per minute, silently, in the background: a request
   * past that limit sends nothing, because a link less than a minute old is already in the inbox.
   * So no one, from any number of addresses, can stop a member from getting a working link.
   */
  async request(rawEmail: string, clientIp: string, requestedReturnTo: string | undefined): Promise<void> {
    const email = normalizeEmail(rawEmail);
    await this.perIp.consume(clientIp);
    await this.perEmailFromIp.consume(emailRequestKey(email, clientIp));
    const owner = await this.domains.ownerOfEmail(email);
    if (!owner) return;
    const organization = await this.organizations.findOneByOrFail({ id: owner.organizationId });
    if (organization.ssoRequired) {
      throw new MagicLinkError(MagicLinkErrorCode.SSO_REQUIRED, `organization ${organization.id} requires SSO`, this.ssoUrlFor(email));
    }
    const returnTo = safeReturnTarget(requestedReturnTo, this.config);
    this.background.run(this.sendLinkIfAllowed(organization, email, returnTo));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before the database pool and the mail transport close (their own shutdown hooks).
    await this.background.settled();
  }

  private async sendLinkIfAllowed(organization: Organization, email: string, returnTo: string): Promise<void> {
    if (!(await this.provisioning.isMemberOrInvited(organization.id, email))) return;
    if (!(await this.mailsPerEmail.tryConsume(email))) {
      this.logger.log(`a sign-in link went to ${email} less than a minute ago; no other is sent yet`);
      return;
    }
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

  /**
   * Who a link signs in, without using it: what the page shown by GET names, so that a person
   * sees whose account it is before confirming (a mail scanner's GET or HEAD changes nothing).
   */
  async preview(token: string | undefined): Promise<MagicLinkPreview> {
    if (!token || token.length > MAX_TOKEN_LENGTH) throw new MagicLinkError(MagicLinkErrorCode.INVALID, 'no token');
    const link = await this.links.findOneBy({ tokenHash: hashOneTimeToken(token) });
    const refusal = unusableBecause(link, new Date());
    if (refusal || !link) throw new MagicLinkError(refusal ?? MagicLinkErrorCode.INVALID, 'the link cannot be used');
    // Told now rather than after the button: what the sign-in would refuse (it checks again).
    if (await this.ssoRequiredFor(link.organizationId, link.email)) {
      throw new MagicLinkError(
        MagicLinkErrorCode.SSO_REQUIRED,
        `organization ${link.organizationId} requires SSO`,
        this.ssoUrlFor(link.email),
      );
    }
    if (!(await this.provisioning.isMemberOrInvited(link.organizationId, link.email))) {
      throw new MagicLinkError(MagicLinkErrorCode.NOT_A_MEMBER, 'membership or invitation gone since the link was sent');
    }
    const organization = await this.organizations.findOneByOrFail({ id: link.organizationId });
    return { email: link.email, organizationName: organization.name };
  }

  /** Consumes the link (once, even when confirmed twice at the same moment) and opens a session. */
  async verify(token: string | undefined): Promise<{ session: IssuedSession; returnTo: string }> {
    if (!token || token.length > MAX_TOKEN_LENGTH) throw new MagicLinkError(MagicLinkErrorCode.INVALID, 'no token');
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
      throw new MagicLinkError(
        MagicLinkErrorCode.SSO_REQUIRED,
        `organization ${row.organization_id} requires SSO`,
        this.ssoUrlFor(row.email),
      );
    }
    const member = await this.provisioning.admitByEmail(row.organization_id, row.email, MAGIC_LINK_METHOD);
    if (!member) throw new MagicLinkError(MagicLinkErrorCode.NOT_A_MEMBER, 'membership or invitation gone since the link was sent');
    return { session: await this.sessions.issue(member, MAGIC_LINK_METHOD), returnTo: row.return_to };
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
