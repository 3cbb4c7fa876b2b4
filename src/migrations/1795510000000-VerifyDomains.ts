import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Domains are owned only once verified. Several organizations may now claim a domain; at most
 * one holds it VERIFIED. Every domain claimed before this change is kept VERIFIED
 * (GRANDFATHERED, audited one event per domain), so no running organization is locked out.
 */
export class VerifyDomains1795510000000 implements MigrationInterface {
  name = 'VerifyDomains1795510000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."domain_status" AS ENUM('PENDING', 'VERIFIED', 'FAILED')`);
    await queryRunner.query(`CREATE TYPE "public"."domain_verification_method" AS ENUM('DNS', 'OPERATOR', 'GRANDFATHERED')`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "status" "public"."domain_status" NOT NULL DEFAULT 'PENDING'`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "verification_token" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "verification_method" "public"."domain_verification_method"`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "verified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "verification_error" character varying(500)`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "pending_since" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "next_check_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "check_attempts" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "record_missing_since" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domains" ADD "last_checked_at" TIMESTAMP WITH TIME ZONE`);
    // Grandfathered: verified as of the upgrade, never re-checked through DNS (no record was ever asked for).
    await queryRunner.query(`
      UPDATE "domains"
         SET "status" = 'VERIFIED', "verification_method" = 'GRANDFATHERED', "verified_at" = now(),
             "verification_token" = replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
    `);
    await queryRunner.query(`
      INSERT INTO "audit_events" ("organization_id", "actor", "action", "target_id", "details")
      SELECT "organization_id", 'system', 'domain.grandfathered', "id"::text, jsonb_build_object('domain', "domain", 'reason', 'claimed before domain verification existed')
        FROM "domains"
    `);
    await queryRunner.query(`ALTER TABLE "domains" ALTER COLUMN "verification_token" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "public"."domains__domain__unique"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "domains__organization_id__domain__unique" ON "domains" ("organization_id", "domain") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "domains__domain__verified__unique" ON "domains" ("domain") WHERE "status" = 'VERIFIED'`);
    await queryRunner.query(`CREATE INDEX "domains__next_check_at__index" ON "domains" ("next_check_at") `);
  }

  /** Back to one claim per domain: only VERIFIED claims survive (the old schema had no other kind). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."domains__next_check_at__index"`);
    await queryRunner.query(`DROP INDEX "public"."domains__domain__verified__unique"`);
    await queryRunner.query(`DROP INDEX "public"."domains__organization_id__domain__unique"`);
    await queryRunner.query(`DELETE FROM "domains" WHERE "status" <> 'VERIFIED'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "domains__domain__unique" ON "domains" ("domain") `);
    await queryRunner.query(`DELETE FROM "audit_events" WHERE "action" = 'domain.grandfathered'`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "last_checked_at"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "record_missing_since"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "check_attempts"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "next_check_at"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "pending_since"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "verification_error"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "verified_at"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "verification_method"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "verification_token"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP COLUMN "status"`);
    await queryRunner.query(`DROP TYPE "public"."domain_verification_method"`);
    await queryRunner.query(`DROP TYPE "public"."domain_status"`);
  }
}
