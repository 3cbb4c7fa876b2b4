import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The OpenID Provider's grants, codes and tokens name the service session they were given
 * through; ending that session deletes them (ON DELETE CASCADE). Rows stored before this have no
 * session and live out their lifetimes (access tokens 10 minutes, grants 8 hours).
 */
export class RevokeProviderTokensWithSession1795620000000 implements MigrationInterface {
  name = 'RevokeProviderTokensWithSession1795620000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "oidc_models"
            ADD "service_session_id" uuid
        `);
    await queryRunner.query(`
            CREATE INDEX "oidc_models__service_session_id__index" ON "oidc_models" ("service_session_id")
        `);
    await queryRunner.query(`
            ALTER TABLE "oidc_models"
            ADD CONSTRAINT "FK_dd87f5ec9a8afaf1787c852951f" FOREIGN KEY ("service_session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "oidc_models" DROP CONSTRAINT "FK_dd87f5ec9a8afaf1787c852951f"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."oidc_models__service_session_id__index"
        `);
    await queryRunner.query(`
            ALTER TABLE "oidc_models" DROP COLUMN "service_session_id"
        `);
  }
}
