import { Body, Controller, Get, Inject, Logger, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { MagicLinksService } from './magic-links.service';
import { RequestMagicLinkInput } from './dto/request-magic-link.input';
import { MagicLinkError, MagicLinkErrorCode, explainMagicLinkError } from './magic-link.error';
import { sendErrorPage } from '../auth/sso-error-page';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The one answer to every accepted request, known email or not. */
const MAGIC_LINK_ACCEPTED = { message: 'If this email address may sign in, a sign-in link is on its way.' };

@Controller('auth/magic-link')
export class MagicLinksController {
  private readonly logger = new Logger(MagicLinksController.name);

  constructor(
    private readonly magicLinks: MagicLinksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  async request(@Body() input: RequestMagicLinkInput, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, true, async () => {
      await this.magicLinks.request(input.email, request.ip ?? 'unknown', input.returnTo);
      response.status(202).setHeader('Cache-Control', 'no-store');
      response.json(MAGIC_LINK_ACCEPTED);
    });
  }

  @Get('verify')
  async verify(@Query('token') token: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, false, async () => {
      const { session, returnTo } = await this.magicLinks.verify(typeof token === 'string' ? token : undefined);
      response.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(this.config, session.expiresAt));
      response.setHeader('Cache-Control', 'no-store');
      response.redirect(302, returnTo);
    });
  }

  /** A MagicLinkError becomes its page; anything else (bad input, rate limit) goes to the app's filter. */
  private async handle(request: Request, response: Response, preferJson: boolean, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof MagicLinkError)) throw error;
      const correlationId = String(request.id ?? randomUUID());
      this.logger.warn(`magic link refused: ${error.code} (ref ${correlationId}): ${error.detail}`);
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
