import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/app-config';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { startEmbeddedPostgres, urlOfRunningEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { API_KEY_SCOPES, type ApiKeyScope } from '../common/caller';
import { OrganizationsService } from '../organizations/organizations.service';
import type { Caller } from '../common/caller';
import { AppError } from '../common/errors';
import { AdminCliModule } from './admin-cli.module';

const USAGE = `Usage: npm run admin -- <command>

  create-key [--org <organization id>] [--scopes admin,roles:read]
      Creates an API key (a platform key without --org; scopes default to admin) and prints
      its secret, shown this once.
  revoke-key <api key id>
      Revokes a key: it stops working at once.
  list-orgs
      Lists every organization (id, slug, name).

Uses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (default .data/), like the service.`;

/** What the CLI acts as: the operator at the machine, with a platform key's rights. Audited as api_key:cli. */
const OPERATOR: Caller = { apiKeyId: 'cli', organizationId: null, scopes: ['admin'] };

class UsageError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readScopes(raw: string | undefined): ApiKeyScope[] {
  const scopes = (raw ?? 'admin')
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--scopes must be a comma list of ${API_KEY_SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  }
  return scopes as ApiKeyScope[];
}

type Command = (services: { apiKeys: ApiKeysService; organizations: OrganizationsService }) => Promise<void>;

/** The command the arguments ask for, checked before any database is started. */
function parseCommand(argv: string[]): Command {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [name, ...rest] = positionals;
  if (values.help || !name) throw new UsageError('');
  switch (name) {
    case 'create-key': {
      if (rest.length > 0) throw new UsageError(`create-key takes no positional arguments, got "${rest.join(' ')}"`);
      const scopes = readScopes(values.scopes);
      if (values.org !== undefined && !UUID.test(values.org))
        throw new UsageError(`--org must be an organization id (a UUID), got "${values.org}"`);
      return async ({ apiKeys }) => {
        const { apiKey, secret } = await apiKeys.create(OPERATOR, { organizationId: values.org ?? null, scopes });
        console.log(`Created ${apiKey.organizationId ? `an API key of organization ${apiKey.organizationId}` : 'a platform API key'}`);
        console.log(`  id:     ${apiKey.id}`);
        console.log(`  scopes: ${apiKey.scopes.join(', ')}`);
        console.log(`  secret: ${secret}`);
        console.log('The secret is shown this once; send it as "Authorization: Bearer <secret>".');
      };
    }
    case 'revoke-key': {
      if (rest.length !== 1 || !UUID.test(rest[0])) throw new UsageError('revoke-key takes exactly one API key id (a UUID)');
      return async ({ apiKeys }) => {
        const revoked = await apiKeys.revoke(OPERATOR, rest[0]);
        console.log(`Revoked API key ${revoked.id} (${revoked.prefix})`);
      };
    }
    case 'list-orgs': {
      if (rest.length > 0) throw new UsageError('list-orgs takes no arguments');
      return async ({ organizations }) => {
        const found = await organizations.list(OPERATOR);
        if (found.length === 0) console.log('No organizations yet.');
        for (const organization of found) console.log(`${organization.id}\t${organization.slug}\t${organization.name}`);
      };
    }
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

async function run(argv: string[]): Promise<number> {
  let command: Command;
  let config;
  try {
    command = parseCommand(argv);
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      if (error.message) process.stderr.write(`admin: ${error.message}\n\n`);
      process.stderr.write(`${USAGE}\n`);
      return 64;
    }
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem.message}\n`);
      return 78;
    }
    throw error;
  }
  // Logs go to stderr at warn and above: stdout carries the command's answer only.
  const logger = createLogger(process.env.LOG_LEVEL === undefined ? 'warn' : config.logLevel, false, process.stderr);

  // Beside a running service, use its embedded PostgreSQL; otherwise start one for the command.
  let embedded: EmbeddedDatabase | undefined;
  const databaseUrl =
    config.databaseUrl ??
    urlOfRunningEmbeddedPostgres(config.dataDir) ??
    (embedded = await startEmbeddedPostgres({ dataDir: config.dataDir })).url;
  const context = await NestFactory.createApplicationContext(AdminCliModule.forRoot({ ...config, databaseUrl }, logger), {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  try {
    await command({ apiKeys: context.get(ApiKeysService), organizations: context.get(OrganizationsService) });
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      process.stderr.write(`admin: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await context.close();
    await embedded?.stop();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`admin: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
