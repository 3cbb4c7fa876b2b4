import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddOpenIdProvider1795550000000 implements MigrationInterface {
  name = 'AddOpenIdProvider1795550000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "applications" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "client_id" character varying(64) NOT NULL,
                "client_secret_encrypted" text NOT NULL,
                "redirect_uris" text array NOT NULL,
                "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}',
                "initiate_login_uri" character varying(2048),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_938c0a27255637bde919591888f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "applications__client_id__unique" ON "applications" ("client_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "oidc_models" (
                "kind" character varying(40) NOT NULL,
                "id" character varying(255) NOT NULL,
                "payload" jsonb NOT NULL,
                "grant_id" character varying(255),
                "uid" character varying(255),
                "user_code" character varying(255),
                "expires_at" TIMESTAMP WITH TIME ZONE,
                "consumed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_32a37e0886a961d612bb83f6893" PRIMARY KEY ("kind", "id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "oidc_models__expires_at__index" ON "oidc_models" ("expires_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "oidc_models__user_code__index" ON "oidc_models" ("user_code")
        `);
    await queryRunner.query(`
            CREATE INDEX "oidc_models__uid__index" ON "oidc_models" ("uid")
        `);
    await queryRunner.query(`
            CREATE INDEX "oidc_models__grant_id__index" ON "oidc_models" ("grant_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "oidc_signing_keys" (
                "id" character varying(64) NOT NULL,
                "algorithm" character varying(10) NOT NULL,
                "private_jwk_encrypted" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "retired_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_8817aee80c014aee16e65cd5378" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "login_states"
            ADD "continuation" character varying(2048)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "login_states" DROP COLUMN "continuation"
        `);
    await queryRunner.query(`
            DROP TABLE "oidc_signing_keys"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."oidc_models__grant_id__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."oidc_models__uid__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."oidc_models__user_code__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."oidc_models__expires_at__index"
        `);
    await queryRunner.query(`
            DROP TABLE "oidc_models"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."applications__client_id__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "applications"
        `);
  }
}
