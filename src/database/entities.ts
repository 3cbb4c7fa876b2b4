import { ClientAssertionKey } from '../auth/entities/client-assertion-key.entity';
import { Organization } from '../organizations/entities/organization.entity';
import { Domain } from '../domains/entities/domain.entity';
import { Connection } from '../connections/entities/connection.entity';
import { RoleMapping } from '../role-mapping/entities/role-mapping.entity';
import { User } from '../provisioning/entities/user.entity';
import { SsoIdentity } from '../provisioning/entities/sso-identity.entity';
import { Membership } from '../provisioning/entities/membership.entity';
import { Invitation } from '../provisioning/entities/invitation.entity';
import { ApiKey } from '../api-keys/entities/api-key.entity';
import { AuditEvent } from '../audit/entities/audit-event.entity';
import { LoginState } from '../auth/entities/login-state.entity';
import { Session } from '../auth/entities/session.entity';
import { SigningKey } from '../auth/entities/signing-key.entity';
import { MagicLink } from '../magic-links/entities/magic-link.entity';
import { LoginAttempt } from '../login-activity/entities/login-attempt.entity';
import { LoginRefusalCount } from '../login-activity/entities/login-refusal-count.entity';
import { ConnectionTest } from '../connection-tests/entities/connection-test.entity';
import { Application } from '../oidc-provider/entities/application.entity';
import { OidcModel } from '../oidc-provider/entities/oidc-model.entity';
import { OidcSigningKey } from '../oidc-provider/entities/oidc-signing-key.entity';
import { SetupLink } from '../setup-portal/entities/setup-link.entity';
import { SetupSession } from '../setup-portal/entities/setup-session.entity';

/** Every entity, listed explicitly: globs break under jest's ESM mode and in bundles. */
export const ENTITIES = [
  Organization,
  Domain,
  Connection,
  RoleMapping,
  User,
  SsoIdentity,
  Membership,
  Invitation,
  ApiKey,
  AuditEvent,
  LoginState,
  Session,
  SigningKey,
  ClientAssertionKey,
  MagicLink,
  LoginAttempt,
  LoginRefusalCount,
  ConnectionTest,
  Application,
  OidcModel,
  OidcSigningKey,
  SetupLink,
  SetupSession,
];
