import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Request } from 'express';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { LoggingModule } from './logging/logging.module';
import { typeOrmRoot } from './database/typeorm-root';
import { DatabaseNotificationsModule } from './database/notifications.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { DomainsModule } from './domains/domains.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ConnectionsModule } from './connections/connections.module';
import { RoleMappingModule } from './role-mapping/role-mapping.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { RolesFastPathModule } from './provisioning/roles-fast-path.module';
import { AuthModule } from './auth/auth.module';
import { AuditApiModule } from './audit/audit-api.module';
import { MagicLinksModule } from './magic-links/magic-links.module';
import { LoginActivityModule } from './login-activity/login-activity.module';
import { ConnectionTestsModule } from './connection-tests/connection-tests.module';
import { OidcProviderModule } from './oidc-provider/oidc-provider.module';
import { SetupPortalModule } from './setup-portal/setup-portal.module';
import { AppExceptionFilter } from './common/app-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { StorableTextPipe } from './common/storable-text.pipe';
import { graphqlProtection } from './common/graphql-protection';
import { GRAPHQL_PATH, graphqlIdePlugins } from './common/graphql-ide';

export interface GraphqlContext {
  req: Request;
}

@Module({})
export class AppModule {
  /** The whole service, for a configuration that `loadConfig` validated and a database URL. */
  static forRoot(config: AppConfig & { databaseUrl: string }, logger: Logger): DynamicModule {
    const protection = graphqlProtection(config.production);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        typeOrmRoot(config),
        DatabaseNotificationsModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: GRAPHQL_PATH,
          // Written to the repository when a developer runs the service, so the committed
          // schema shows every change; production keeps it in memory.
          autoSchemaFile: config.production ? true : join(process.cwd(), 'schema.gql'),
          sortSchema: true,
          // Nest's own check runs the whole introspection query on the new schema (a tenth of
          // start-up); Apollo still asserts the schema valid before the service listens.
          buildSchemaOptions: { skipCheck: true },
          introspection: !config.production,
          graphiql: false,
          playground: false,
          includeStacktraceInErrorResponses: false,
          // GraphQL Armor's limits, before any resolver (and so before the API key is looked up);
          // then, outside production, the IDE's landing page.
          plugins: [...protection.plugins, ...graphqlIdePlugins(config.production)],
          parseOptions: protection.parseOptions,
          validationRules: protection.validationRules,
          context: ({ req }: { req: Request }): GraphqlContext => ({ req }),
        }),
        MetricsModule,
        HealthModule,
        OrganizationsModule,
        DomainsModule,
        ApiKeysModule,
        ConnectionsModule,
        RoleMappingModule,
        ProvisioningModule,
        AuthModule,
        AuditApiModule,
        MagicLinksModule,
        LoginActivityModule,
        ConnectionTestsModule,
        OidcProviderModule,
        ...(config.rolesFastPath ? [RolesFastPathModule] : []),
        SetupPortalModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        // In this order: no string PostgreSQL cannot store reaches validation or a service.
        { provide: APP_PIPE, useClass: StorableTextPipe },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
