import type { MigrationInterface } from 'typeorm';
import { InitialSchema1795432813892 } from './1795432813892-InitialSchema';
import { AddMagicLinks1795447746925 } from './1795447746925-AddMagicLinks';
import { RecordLoginAttempts1795447845936 } from './1795447845936-RecordLoginAttempts';
import { RememberSecretExpiryWarnings1795448214892 } from './1795448214892-RememberSecretExpiryWarnings';
import { AddConnectionTests1795448466235 } from './1795448466235-AddConnectionTests';
import { AccountsBelongToOneOrganization1795500000000 } from './1795500000000-AccountsBelongToOneOrganization';
import { VerifyDomains1795510000000 } from './1795510000000-VerifyDomains';
import { ApiKeyLastUsed1795520000000 } from './1795520000000-ApiKeyLastUsed';
import { StoreRateLimits1795525100000 } from './1795525100000-StoreRateLimits';
import { CountLoginRefusals1795525200000 } from './1795525200000-CountLoginRefusals';
import { ClientAuthenticationAndAlgorithms1795530000000 } from './1795530000000-ClientAuthenticationAndAlgorithms';
import { AddOpenIdProvider1795550000000 } from './1795550000000-AddOpenIdProvider';
import { AddSetupLinks1795570000000 } from './1795570000000-AddSetupLinks';
import { RevokeProviderTokensWithSession1795620000000 } from './1795620000000-RevokeProviderTokensWithSession';
import { NotifyConnectionChanges1795700000000 } from './1795700000000-NotifyConnectionChanges';

/** Every migration, in order. `npm run migration:generate` writes new ones beside this file. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  InitialSchema1795432813892,
  AddMagicLinks1795447746925,
  RecordLoginAttempts1795447845936,
  RememberSecretExpiryWarnings1795448214892,
  AddConnectionTests1795448466235,
  AccountsBelongToOneOrganization1795500000000,
  VerifyDomains1795510000000,
  ApiKeyLastUsed1795520000000,
  StoreRateLimits1795525100000,
  CountLoginRefusals1795525200000,
  ClientAuthenticationAndAlgorithms1795530000000,
  AddOpenIdProvider1795550000000,
  AddSetupLinks1795570000000,
  RevokeProviderTokensWithSession1795620000000,
  NotifyConnectionChanges1795700000000,
];
