import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { MagicLinksService, MAGIC_LINK_TTL_MINUTES } from './magic-links.service';
import { RequestMagicLinkInput } from './dto/request-magic-link.input';
import { MagicLinkError, MagicLinkErrorCode, explainMagicLinkError } from './magic-link.error';
import {
  CONFIRMATION_COOKIE_PATH,
  confirmationCookieName,
  confirmationMatches,
  confirmationPage,
  newConfirmationSecret,
} from './magic-link-confirmation';
import { sendErrorPage } from '../auth/sso-error-page';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { noteRequestFailure } from '../logging/request-logging.middleware';

/** The one answer to every accepted request, known email or not. */
const MAGIC_LINK_ACCEPTED = { message: 'If this email address may sign in, a sign-in link is on its way.' };

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

@ApiTags('magic links')
@Controller('auth/magic-link')
export class MagicLinksController {
  constructor(
    private readonly magicLinks: MagicLinksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Send a one-time sign-in link to a member or invited person',
    description: 'The same answer for everyone; `sso_required` with `ssoUrl` when the organization requires SSO.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['email'],
      properties: { email: { type: 'string', format: 'email' }, returnTo: { type: 'string', description: 'an allowed return target' } },
    },
  })
  @ApiResponse({ status: 202, description: MAGIC_LINK_ACCEPTED.message })
  @ApiResponse({ status: 400, description: 'bad input, or sso_required with ssoUrl' })
  @ApiResponse({ status: 429, description: 'too many requests for this email or IP' })
  async request(@Body() input: RequestMagicLinkInput, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, true, async () => {
      await this.magicLinks.request(input.email, request.ip ?? 'unknown', input.returnTo);
      response.status(202).setHeader('Cache-Control', 'no-store');
      response.json(MAGIC_LINK_ACCEPTED);
    });
  }

  /** The link's page: names the account and asks to confirm. Never uses the link (GET and HEAD alike). */
  @Get('verify')
  @ApiOperation({
    summary: 'Open a sign-in link: a page naming the account, with a button that POSTs',
    description: 'GET (and HEAD) never use the link up.',
  })
  @ApiQuery({ name: 'token', required: true, description: 'the token from the link' })
  @ApiResponse({ status: 200, description: 'the confirmation page' })
  @ApiResponse({ status: 400, description: 'an error page naming the reason (magic_link_invalid, magic_link_expired, magic_link_used)' })
  async confirm(@Query('token') token: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, false, async () => {
      const presented = stringOrUndefined(token);
      const preview = await this.magicLinks.preview(presented);
      const secret = newConfirmationSecret();
      response.cookie(confirmationCookieName(presented!), secret, {
        httpOnly: true,
        // Strict: a POST from another site never carries it, which is the point.
        sameSite: 'strict',
        secure: this.config.publicUrl.startsWith('https:'),
        path: CONFIRMATION_COOKIE_PATH,
        maxAge: MAGIC_LINK_TTL_MINUTES * 60_000,
      });
      response.setHeader('Cache-Control', 'no-store');
      // The page's URL carries the token: it must not leave in a Referer.
      response.setHeader('Referrer-Policy', 'no-referrer');
      response.type('html').send(confirmationPage(preview, `${this.config.publicUrl}/auth/magic-link/verify`, presented!, secret));
    });
  }

  /** The page's button: signs in when the form's secret is the one this browser got with the page. */
  @Post('verify')
  @ApiOperation({
    summary: "Sign in with a link (the confirmation page's form)",
    description: 'Errors: magic_link_invalid, magic_link_expired, magic_link_used.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['token'],
      properties: {
        token: { type: 'string' },
        confirmation: { type: 'string', description: 'the secret the page carries, matched against its cookie' },
      },
    },
  })
  @ApiResponse({ status: 303, description: 'signed in: to the return target' })
  @ApiResponse({ status: 400, description: 'an error page naming the reason' })
  async verify(@Body() form: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, false, async () => {
      const token = stringOrUndefined(form?.token);
      if (!token) throw new MagicLinkError(MagicLinkErrorCode.INVALID, 'no token');
      const cookieName = confirmationCookieName(token);
      if (!confirmationMatches(request.cookies?.[cookieName], form.confirmation)) {
        throw new MagicLinkError(MagicLinkErrorCode.NOT_CONFIRMED, 'the confirmation secret is missing or is not this browser’s');
      }
      const { session, returnTo } = await this.magicLinks.verify(token);
      response.clearCookie(cookieName, { path: CONFIRMATION_COOKIE_PATH });
      response.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(this.config, session.expiresAt));
      response.setHeader('Cache-Control', 'no-store');
      response.redirect(303, returnTo);
    });
  }

  /** A MagicLinkError becomes its page; anything else (bad input, rate limit) goes to the app's filter. */
  private async handle(request: Request, response: Response, preferJson: boolean, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof MagicLinkError)) throw error;
      const correlationId = String(request.id ?? randomUUID());
      noteRequestFailure(response, { level: 'warn', cause: `magic link refused: ${error.code}: ${error.detail}` });
      sendErrorPage(request, response, {
        ...explainMagicLinkError(error.code),
        code: error.code,
        correlationId,
        preferJson,
        ...(error.code === MagicLinkErrorCode.SSO_REQUIRED && error.ssoUrl
          ? { next: { href: error.ssoUrl, label: 'Sign in with single sign-on', jsonField: 'ssoUrl' } }
          : {}),
      });
    }
  }
}
