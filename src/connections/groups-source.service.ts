import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Connection } from './entities/connection.entity';
import { IdpHttpClient } from './idp-http';
import { IdpMetadataService } from './idp-metadata.service';
import { PRESETS } from './presets';

/** The groups of a login, or why they could not be learned. */
interface GroupsOutcome {
  groups: string[];
  /** Why the groups the IdP referred to could not be fetched; null when they were known. */
  unavailable: string | null;
}

const MAX_GROUPS = 5000;

/**
 * Reads a login's groups from its claims, following a groups overage (the groups claim
 * replaced by a `_claim_names` reference, as Entra does past 200 groups) to the preset's groups
 * source with the access token, through the one IdP HTTP client.
 */
@Injectable()
export class GroupsSourceService {
  constructor(
    private readonly http: IdpHttpClient,
    private readonly metadata: IdpMetadataService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async groupsOf(connection: Connection, claims: Record<string, unknown>, accessToken: string): Promise<GroupsOutcome> {
    const listed = claims[connection.groupsClaim];
    if (Array.isArray(listed)) return { groups: listed.filter((group): group is string => typeof group === 'string'), unavailable: null };
    const sourceName = (claims._claim_names as Record<string, unknown> | undefined)?.[connection.groupsClaim];
    if (typeof sourceName !== 'string') return { groups: [], unavailable: null };
    const source = PRESETS[connection.type].groupsSource;
    if (!source) return unavailable(`the IdP sent the groups by reference, which ${connection.type} connections cannot follow`);
    const endpoint = source.url(this.config);
    try {
      this.metadata.assertIdpUrl(endpoint, 'groups source');
    } catch (error) {
      return unavailable(`the groups source ${endpoint.slice(0, 200)} is not allowed (${error instanceof Error ? error.message : error})`);
    }
    let response: Response;
    try {
      response = await this.http.fetch(endpoint, {
        method: source.method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(source.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(source.body ? { body: JSON.stringify(source.body) } : {}),
      });
    } catch {
      // IdpHttpClient's words, the same for every failure (no port scanning through this report).
      return unavailable(`the groups source ${endpoint.slice(0, 200)} could not be reached`);
    }
    if (!response.ok) return unavailable(`the groups source ${endpoint.slice(0, 200)} answered HTTP ${response.status}`);
    const groups = source.groupsFrom(await response.json().catch(() => undefined));
    if (!groups) return unavailable(`the groups source ${endpoint.slice(0, 200)} answered in an unexpected shape`);
    return { groups: groups.slice(0, MAX_GROUPS), unavailable: null };
  }
}

function unavailable(reason: string): GroupsOutcome {
  return { groups: [], unavailable: reason };
}
