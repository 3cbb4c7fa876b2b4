import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConnectionTest, type ConnectionTestProblem, type ConnectionTestStart } from './entities/connection-test.entity';
import { ConnectionsService } from '../connections/connections.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Caller, actorOf } from '../common/caller';
import { NotFoundError } from '../common/errors';
import { hashOneTimeToken, newOneTimeToken } from '../common/one-time-token';

const START_LINK_TTL_MS = 15 * 60 * 1000;
const MAX_TESTS_PER_PAGE = 100;

/** What a test sign-in learned; the test succeeded when no problem blocks a login. */
export type ConnectionTestReport = Pick<
  ConnectionTest,
  'issuer' | 'subject' | 'email' | 'firstName' | 'lastName' | 'groups' | 'roles' | 'problems'
>;

@Injectable()
export class ConnectionTestsService {
  constructor(
    @InjectRepository(ConnectionTest) private readonly tests: Repository<ConnectionTest>,
    private readonly connections: ConnectionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A one-time link that starts a test sign-in through the caller's connection. */
  async start(caller: Caller, connectionId: string, options: { continueUrl?: string } = {}): Promise<ConnectionTestStart> {
    const connection = await this.connections.find(caller, connectionId);
    if (!connection) throw new NotFoundError('connection');
    const { token, hash } = newOneTimeToken();
    const test = this.tests.create({
      organizationId: connection.organizationId,
      connectionId: connection.id,
      startTokenHash: hash,
      expiresAt: new Date(Date.now() + START_LINK_TTL_MS),
      requestedBy: actorOf(caller),
      continueUrl: options.continueUrl ?? null,
    });
    await this.tests.save(test);
    return { test, url: `${this.config.publicUrl}/sso/test/${token}` };
  }

  /** Uses up a start link: the test it belongs to, once, before it expires; null for an unknown, used or expired link. */
  async claim(token: string): Promise<ConnectionTest | null> {
    const claimed = await this.tests
      .createQueryBuilder()
      .update()
      .set({ startTokenHash: null })
      .where('start_token_hash = :hash AND expires_at > now()', { hash: hashOneTimeToken(token.slice(0, 200)) })
      .returning(['id'])
      .execute();
    const id = (claimed.raw as { id: string }[])[0]?.id;
    return id ? this.tests.findOneByOrFail({ id }) : null;
  }

  /**
   * Stores the report; a test that a real login would pass proves the connection works, as it
   * was at `connectionVersion` (the settings the callback used).
   */
  async complete(testId: string, report: ConnectionTestReport, connectionVersion: number): Promise<ConnectionTest> {
    const succeeded = !report.problems.some((problem: ConnectionTestProblem) => problem.blocksLogin);
    await this.tests.update({ id: testId }, { ...report, succeeded, completedAt: new Date() });
    const test = await this.tests.findOneByOrFail({ id: testId });
    if (succeeded) await this.connections.recordLogin({ id: test.connectionId, verifiedAt: null, version: connectionVersion });
    return test;
  }

  async list(caller: Caller, connectionId: string, first = 20): Promise<ConnectionTest[]> {
    const connection = await this.connections.find(caller, connectionId);
    if (!connection) throw new NotFoundError('connection');
    return this.tests.find({
      where: { connectionId: connection.id, organizationId: connection.organizationId },
      order: { createdAt: 'DESC' },
      take: Math.min(Math.max(first, 1), MAX_TESTS_PER_PAGE),
    });
  }
}
