import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts belong to one organization. A user who belonged to several organizations becomes one
 * account per organization: the organization where they have been longest (oldest membership or
 * identity; ties by organization id) keeps the original id, each other gets a new account with
 * the same email and names, and that organization's identities (through their connection),
 * membership, sessions and audit events (target and `user:<id>` actor) move to it. Invitations and
 * magic links name an email and an organization, not a user, so they stay as they are.
 *
 * Dropped, because they could no longer be used under either schema: users with neither a
 * membership nor an identity (they belong to no organization) and sessions of an organization the
 * user is no longer a member of (`/auth/me` already refused them). Emails are stored normalised
 * (`normalizeEmail`: lower case, NFC); two accounts of one organization that normalise alike stop
 * the migration with a message naming them, for an operator to merge.
 *
 * `down` merges the accounts of one email back into the one ranked first by the same rule (the
 * original id, when nothing changed since); lossy only in that the merged-away accounts' names
 * give way to the kept one's, and the dropped rows above are not restored.
 */
export class AccountsBelongToOneOrganization1795500000000 implements MigrationInterface {
  name = 'AccountsBelongToOneOrganization1795500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TEMPORARY TABLE account_split AS
      WITH places AS (
        SELECT user_id, organization_id, created_at FROM memberships
        UNION ALL
        SELECT i.user_id, c.organization_id, i.created_at FROM sso_identities i JOIN connections c ON c.id = i.connection_id
      ), firsts AS (
        SELECT user_id, organization_id, min(created_at) AS since FROM places GROUP BY user_id, organization_id
      ), ranked AS (
        SELECT user_id, organization_id, row_number() OVER (PARTITION BY user_id ORDER BY since, organization_id) AS rank FROM firsts
      )
      SELECT user_id, organization_id, rank, CASE WHEN rank = 1 THEN user_id ELSE gen_random_uuid() END AS account_id FROM ranked
    `);
    await queryRunner.query(`DROP INDEX "public"."users__email__unique"`);
    await queryRunner.query(`ALTER TABLE "users" ADD "organization_id" uuid`);
    await queryRunner.query(
      `UPDATE users u SET organization_id = s.organization_id FROM account_split s WHERE s.user_id = u.id AND s.rank = 1`,
    );
    await queryRunner.query(`
      INSERT INTO users (id, organization_id, email, first_name, last_name, created_at, updated_at)
      SELECT s.account_id, s.organization_id, u.email, u.first_name, u.last_name, u.created_at, u.updated_at
      FROM account_split s JOIN users u ON u.id = s.user_id WHERE s.rank > 1
    `);
    await queryRunner.query(`
      UPDATE memberships m SET user_id = s.account_id FROM account_split s
      WHERE s.rank > 1 AND m.user_id = s.user_id AND m.organization_id = s.organization_id
    `);
    await queryRunner.query(`
      UPDATE sso_identities i SET user_id = s.account_id FROM account_split s, connections c
      WHERE s.rank > 1 AND c.id = i.connection_id AND i.user_id = s.user_id AND c.organization_id = s.organization_id
    `);
    await queryRunner.query(`
      UPDATE sessions x SET user_id = s.account_id FROM account_split s
      WHERE s.rank > 1 AND x.user_id = s.user_id AND x.organization_id = s.organization_id
    `);
    await queryRunner.query(`
      UPDATE audit_events a SET target_id = s.account_id::text FROM account_split s
      WHERE s.rank > 1 AND a.organization_id = s.organization_id AND a.target_id = s.user_id::text
    `);
    await queryRunner.query(`
      UPDATE audit_events a SET actor = 'user:' || s.account_id FROM account_split s
      WHERE s.rank > 1 AND a.organization_id = s.organization_id AND a.actor = 'user:' || s.user_id
    `);
    await queryRunner.query(`
      DELETE FROM sessions x WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = x.organization_id AND m.user_id = x.user_id)
    `);
    await queryRunner.query(`DELETE FROM users WHERE organization_id IS NULL`);
    await queryRunner.query(`
      DO $$
      DECLARE clash text;
      BEGIN
        SELECT string_agg(email, ', ') INTO clash FROM (
          SELECT normalize(lower(btrim(email)), NFC) AS email FROM users GROUP BY organization_id, 1 HAVING count(*) > 1
        ) clashes;
        IF clash IS NOT NULL THEN
          RAISE EXCEPTION 'accounts of one organization whose emails differ only in case or Unicode normalisation: %; merge them, then migrate again', clash;
        END IF;
      END $$
    `);
    await queryRunner.query(
      `UPDATE users SET email = normalize(lower(btrim(email)), NFC) WHERE email <> normalize(lower(btrim(email)), NFC)`,
    );
    await queryRunner.query(`DROP TABLE account_split`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "organization_id" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users__organization_id__email__unique" ON "users" ("organization_id", "email")`);
    await queryRunner.query(`
      ALTER TABLE "users" ADD CONSTRAINT "FK_21a659804ed7bf61eb91688dea7"
      FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
    `);
    // A session belongs to a membership: removing the member ends their sessions, in the database.
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"`);
    await queryRunner.query(`
      ALTER TABLE "sessions" ADD CONSTRAINT "FK_1b02b63bbd0d19746b63c1f66cc"
      FOREIGN KEY ("organization_id", "user_id") REFERENCES "memberships"("organization_id", "user_id") ON DELETE CASCADE ON UPDATE NO ACTION
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_1b02b63bbd0d19746b63c1f66cc"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "FK_21a659804ed7bf61eb91688dea7"`);
    await queryRunner.query(`DROP INDEX "public"."users__organization_id__email__unique"`);
    await queryRunner.query(`
      CREATE TEMPORARY TABLE account_merge AS
      WITH places AS (
        SELECT user_id, created_at FROM memberships
        UNION ALL
        SELECT user_id, created_at FROM sso_identities
      ), accounts AS (
        SELECT u.id, u.email, u.organization_id, (SELECT min(p.created_at) FROM places p WHERE p.user_id = u.id) AS since FROM users u
      ), ranked AS (
        SELECT id, email, row_number() OVER (PARTITION BY email ORDER BY since NULLS LAST, organization_id) AS rank FROM accounts
      )
      SELECT r.id AS account_id, k.id AS kept_id FROM ranked r JOIN ranked k ON k.email = r.email AND k.rank = 1 WHERE r.rank > 1
    `);
    await queryRunner.query(`UPDATE memberships m SET user_id = x.kept_id FROM account_merge x WHERE m.user_id = x.account_id`);
    await queryRunner.query(`UPDATE sso_identities i SET user_id = x.kept_id FROM account_merge x WHERE i.user_id = x.account_id`);
    await queryRunner.query(`UPDATE sessions s SET user_id = x.kept_id FROM account_merge x WHERE s.user_id = x.account_id`);
    await queryRunner.query(
      `UPDATE audit_events a SET target_id = x.kept_id::text FROM account_merge x WHERE a.target_id = x.account_id::text`,
    );
    await queryRunner.query(
      `UPDATE audit_events a SET actor = 'user:' || x.kept_id FROM account_merge x WHERE a.actor = 'user:' || x.account_id`,
    );
    await queryRunner.query(`DELETE FROM users u USING account_merge x WHERE u.id = x.account_id`);
    await queryRunner.query(`DROP TABLE account_merge`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "organization_id"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users__email__unique" ON "users" ("email")`);
    await queryRunner.query(`
      ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"
      FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
    `);
  }
}
