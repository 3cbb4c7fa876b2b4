/** Where a request the database could not serve was answered. */
export type OutageSurface = 'http' | 'graphql';

/**
 * Told of every request answered "briefly unavailable" because of the database. Metrics
 * implements it; the port lives here because metrics already imports common.
 */
export interface DatabaseOutageObserver {
  databaseUnavailable(surface: OutageSurface): void;
}

export const DATABASE_OUTAGE_OBSERVER = Symbol('DATABASE_OUTAGE_OBSERVER');
