import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refusals before any IdP round trip (a bogus iss, a replayed or unknown state, an inactive
 * connection), counted per connection, minute and code instead of one login attempt each.
 */
export class CountLoginRefusals1795525200000 implements MigrationInterface {
  name = 'CountLoginRefusals1795525200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "login_refusal_counts" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "connection_id" uuid NOT NULL,
                "minute" TIMESTAMP WITH TIME ZONE NOT NULL,
                "error_code" character varying(40) NOT NULL,
                "count" integer NOT NULL DEFAULT '0',
                CONSTRAINT "login_refusal_counts__connection_id__minute__error_code__unique" UNIQUE ("connection_id", "minute", "error_code"),
                CONSTRAINT "PK_fa81aee30bfc2c99e2115735d74" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "login_refusal_counts__organization_id__minute__index" ON "login_refusal_counts" ("organization_id", "minute")
        `);
    await queryRunner.query(`
            CREATE INDEX "login_refusal_counts__minute__index" ON "login_refusal_counts" ("minute")
        `);
    await queryRunner.query(`
            ALTER TABLE "login_refusal_counts"
            ADD CONSTRAINT "FK_1751cff587d5a26e927722ffd12" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "login_refusal_counts"
            ADD CONSTRAINT "FK_3e9dec62ebece244bd25f749d0a" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "login_refusal_counts" DROP CONSTRAINT "FK_3e9dec62ebece244bd25f749d0a"
        `);
    await queryRunner.query(`
            ALTER TABLE "login_refusal_counts" DROP CONSTRAINT "FK_1751cff587d5a26e927722ffd12"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_refusal_counts__minute__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_refusal_counts__organization_id__minute__index"
        `);
    await queryRunner.query(`
            DROP TABLE "login_refusal_counts"
        `);
  }
}
