import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { LoginActivityService } from '../src/login-activity/login-activity.service';
import { ProvisioningService } from '../src/provisioning/provisioning.service';
import { ProvisioningRepository } from '../src/provisioning/provisioning.repository';
import { queryDatabase } from './support/database';
import { createConnection } from './support/fixtures';
import { recordStatements, type StatementRecorder } from './support/statements';
import { eventually } from './support/eventually';

/** Transaction control is not work the database does for the login; `npm run bench` leaves it out too. */
const CONTROL = /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)/i;

/**
 * SQL statements per login (initiate and callback, and the login activity written after the
 * response), counted as TypeORM's query runners, through which every statement of the service
 * goes, hand them to its logger. The ceilings are what this counter measures since logins read
 * their connection from memory (ConnectionsService.findForLogin): 6 for a first login and for a
 * returning one, down from 8 each (and 9 and 8 before accounts belonged to one organization).
 */
describe('SQL statements per login', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: RogueIdp;
  let connectionId: string;
  let statements: StatementRecorder;

  beforeAll(async () => {
    idp = await startRogueIdp();
    service = await startTestApp();
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Counted" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, 'counted-sso-test.com');
    const connection = await createConnection(service.url, {
      organizationId: createOrganization.id,
      type: 'GENERIC_OIDC',
      discoveryUrl: idp.discoveryUrl,
      clientId: 'app',
      clientSecret: 'secret',
    });
    connectionId = connection.id;
    statements = recordStatements(service.app);
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  async function countedLogin(sub: string): Promise<string[]> {
    idp.behaviour.claims = { sub, email: `${sub}@counted-sso-test.com`, email_verified: true, given_name: 'C', family_name: 'D' };
    const browser = new TestBrowser();
    const sent = await statements.during(async () => {
      const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
      const callback = await browser.get(await idp.signIn(initiate.headers.get('location')!));
      expect(callback.status).toBe(302);
      await service.app.get(LoginActivityService).beforeApplicationShutdown();
      await service.app.get(ProvisioningService).identitiesTouched();
    });
    return sent.filter((statement) => !CONTROL.test(statement.trim()));
  }

  it('a first login (just-in-time provisioning) takes at most 6, a returning one at most 6', async () => {
    // Logins of someone else first, so that per-connection caches are as warm as in a running
    // service: the first one verifies the connection, which its memo then reads again.
    await countedLogin('warm-up');
    await eventually(async () => expect((await countedLogin('warm-up')).filter((sql) => /FROM "connections"/.test(sql))).toEqual([]), {
      timeoutMs: 3_000,
    });
    const first = await countedLogin('newcomer');
    const returning = await countedLogin('newcomer');
    process.stdout.write(`statements per login: first ${first.length}, returning ${returning.length}\n`);
    expect(first.length).toBeLessThanOrEqual(6);
    expect(returning.length).toBeLessThanOrEqual(6);
  });

  it('records returning logins on their identities after the login: the latest of each, never an older one over a newer', async () => {
    await countedLogin('toucher');
    const identityOf = async () =>
      (
        await queryDatabase<{ last_groups: string[]; last_login_at: Date }>(
          service.databaseUrl,
          'SELECT last_groups, last_login_at FROM sso_identities WHERE connection_id = $1 AND subject = $2',
          [connectionId, 'toucher'],
        )
      )[0];
    const repository = service.app.get(ProvisioningRepository);
    const at = (identity: { last_login_at: Date }, ms: number) => new Date(identity.last_login_at.getTime() + ms);
    const recorded = await identityOf();

    const sent = await statements.during(() =>
      repository.touchIdentities([
        { connectionId, subject: 'toucher', groups: ['earlier'], at: at(recorded, 1_000) },
        { connectionId, subject: 'toucher', groups: ['latest'], at: at(recorded, 2_000) },
      ]),
    );
    expect(sent).toHaveLength(1);
    expect(await identityOf()).toEqual({ last_groups: ['latest'], last_login_at: at(recorded, 2_000) });

    await repository.touchIdentities([{ connectionId, subject: 'toucher', groups: ['older'], at: at(recorded, 1_500) }]);
    expect(await identityOf()).toEqual({ last_groups: ['latest'], last_login_at: at(recorded, 2_000) });

    // Strings jsonb would refuse are stored as U+FFFD (a batch PostgreSQL refuses is the CoalescingWriter's to split).
    await repository.touchIdentities([{ connectionId, subject: 'toucher', groups: ['a\u0000b', 'c\udc00d'], at: at(recorded, 3_000) }]);
    expect(await identityOf()).toEqual({ last_groups: ['a\ufffdb', 'c\ufffdd'], last_login_at: at(recorded, 3_000) });
  });
});
