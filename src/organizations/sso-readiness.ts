import type { EntityManager } from 'typeorm';

/**
 * Whether an organization can sign in through SSO now (an ACTIVE connection someone has signed
 * in through): the guard against locking everyone out by requiring SSO. Connections know the
 * answer and provide it; organizations depend only on this, so they import no connections.
 */
export abstract class SsoReadiness {
  abstract hasVerifiedConnection(manager: EntityManager, organizationId: string): Promise<boolean>;
}
