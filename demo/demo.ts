import 'reflect-metadata';
import { chmodSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { createLogger } from '../src/logging/logger';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { createApp } from '../src/create-app';
import { startTestIdp } from '../test/support/test-idp';
import { TestDnsServer } from '../test/support/dns-server';
import { startDemoApp } from './app';

const PORT = Number(process.env.PORT ?? 3000);
const IDP_PORT = Number(process.env.DEMO_IDP_PORT ?? 3001);
const APP_PORT = Number(process.env.DEMO_APP_PORT ?? 3002);
const DEMO_KEY = 'demo-platform-admin-key-do-not-use-in-production';
const PASSWORD = 'demo';

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(`demo seeding failed: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/**
 * Everything a newcomer needs on one machine: an embedded PostgreSQL, the service, a local
 * IdP with a login page and two users, a local DNS server standing in for Acme's DNS (where
 * the domain's TXT proof is published), and an organization wired to it.
 */
async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data/demo');
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  const idp = await startTestIdp({
    flavour: 'okta',
    port: IDP_PORT,
    title: 'Acme Identity (demo IdP)',
    accounts: [
      {
        sub: 'alice',
        email: 'alice@acme-demo.com',
        email_verified: true,
        given_name: 'Alice',
        family_name: 'Admin',
        groups: ['Engineering-Admins'],
        password: PASSWORD,
      },
      {
        sub: 'bob',
        email: 'bob@acme-demo.com',
        email_verified: true,
        given_name: 'Bob',
        family_name: 'Builder',
        groups: ['Sales'],
        password: PASSWORD,
      },
    ],
  });
  // acme-demo.com is fictional: its DNS zone lives in this process, and the service resolves through it.
  const dns = await TestDnsServer.start();
  dns.addZone('acme-demo.com');
  const config = loadConfig({
    ...process.env,
    PORT: String(PORT),
    DATA_DIR: dataDir,
    BOOTSTRAP_ADMIN_API_KEY: DEMO_KEY,
    DNS_SERVERS: dns.address,
  });
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const database = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir });
  const app = await createApp({ ...config, databaseUrl: process.env.DATABASE_URL ?? database!.url }, logger);
  await app.listen(PORT);
  const url = config.publicUrl;

  const DOMAIN_FIELDS = 'id domain status verificationError verificationRecord { type name value }';
  const { organizations } = await graphql(url, `{ organizations { id slug connections { id redirectUri } domains { ${DOMAIN_FIELDS} } } }`);
  let organization = organizations.find((candidate: { slug: string }) => candidate.slug === 'acme-demo');
  if (!organization) {
    const created = await graphql(
      url,
      `mutation { createOrganization(input: { name: "Acme Demo", slug: "acme-demo" }) { id slug connections { id redirectUri } domains { ${DOMAIN_FIELDS} } } }`,
    );
    organization = created.createOrganization;
    const { addDomain } = await graphql(
      url,
      `mutation($id: ID!) { addDomain(organizationId: $id, domain: "acme-demo.com") { ${DOMAIN_FIELDS} } }`,
      { id: organization.id },
    );
    organization.domains = [addDomain];
  }
  // The domain proof: the IT admin publishes the TXT record addDomain handed out, then verifyDomain looks it up.
  const [domain] = organization.domains;
  const record = domain.verificationRecord;
  dns.publishTxt(record.name, record.value);
  const { verifyDomain } = await graphql(url, `mutation($id: ID!) { verifyDomain(id: $id) { ${DOMAIN_FIELDS} } }`, { id: domain.id });
  if (verifyDomain.status !== 'VERIFIED') throw new Error(`demo domain not verified: ${verifyDomain.verificationError}`);
  // The demo IdP is new on every run: point the connection at it again.
  for (const stale of organization.connections) await graphql(url, 'mutation($id: ID!) { deleteConnection(id: $id) }', { id: stale.id });
  const { createConnection } = await graphql(
    url,
    'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id redirectUri initiateLoginUri } }',
    {
      input: {
        organizationId: organization.id,
        type: 'OKTA',
        oktaDomain: idp.origin,
        name: 'Acme Identity',
        clientId: 'demo-app',
        clientSecret: 'demo-client-secret',
      },
    },
  );
  idp.registerClient({ clientId: 'demo-app', clientSecret: 'demo-client-secret', redirectUris: [createConnection.redirectUri] });
  await graphql(url, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
    input: { connectionId: createConnection.id, idpGroupId: 'Engineering-Admins', name: 'Engineering admins', role: 'admin' },
  });

  // A product app that signs people in with the service as its OpenID Provider. Its secret is
  // shown only once, so each run registers it afresh.
  const demoApp = await startDemoApp({ port: APP_PORT });
  const { applications } = await graphql(url, '{ applications { id name } }');
  for (const stale of applications.filter((application: { name: string }) => application.name === 'Demo app')) {
    await graphql(url, 'mutation($id: ID!) { deleteApplication(id: $id) }', { id: stale.id });
  }
  const { createApplication } = await graphql(
    url,
    'mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }',
    {
      input: {
        name: 'Demo app',
        redirectUris: [demoApp.redirectUri],
        postLogoutRedirectUris: [demoApp.postLogoutRedirectUri],
        initiateLoginUri: demoApp.initiateLoginUri,
      },
    },
  );
  await demoApp.connect({
    issuer: `${url}/oidc`,
    clientId: createApplication.application.clientId,
    clientSecret: createApplication.clientSecret,
  });
  const { createSetupLink } = await graphql(url, 'mutation($id: ID!) { createSetupLink(organizationId: $id) { url } }', {
    id: organization.id,
  });

  process.stdout.write(`
  SSO demo is running.

  Demo app:  ${demoApp.origin}   (signs in through the service's OpenID Provider at ${url}/oidc)
  Or SSO:    ${createConnection.initiateLoginUri}
  Domain:    ${domain.domain} is VERIFIED: its TXT record ${record.name} = "${record.value}"
             is published on the demo DNS server ${dns.address} (DNS_SERVERS).
  Sign in:   alice@acme-demo.com / ${PASSWORD}   (group Engineering-Admins -> role admin)
             bob@acme-demo.com   / ${PASSWORD}   (no mapped group -> default role editor)
  Or start from an email: ${url}/sso/discover?email=alice@acme-demo.com
  Admin API: POST ${url}/graphql with "Authorization: Bearer ${DEMO_KEY}"
  IT admin's setup portal (one-time link): ${createSetupLink.url}

  Ctrl-C stops everything.
`);

  const stop = async () => {
    await demoApp.close();
    await app.close();
    await idp.close();
    await dns.close();
    await database?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
