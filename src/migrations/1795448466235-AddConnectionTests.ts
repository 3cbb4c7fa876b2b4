import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddConnectionTests1795448466235 implements MigrationInterface {
  name = 'AddConnectionTests1795448466235';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "connection_tests" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "connection_id" uuid NOT NULL,
                "start_token_hash" character varying(64),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "requested_by" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "succeeded" boolean,
                "issuer" character varying(2048),
                "subject" character varying(255),
                "email" character varying(320),
                "first_name" character varying(200),
                "last_name" character varying(200),
                "groups" text array NOT NULL DEFAULT '{}',
                "roles" text array NOT NULL DEFAULT '{}',
                "problems" jsonb NOT NULL DEFAULT '[]',
                CONSTRAINT "PK_a1c5deb80f6e802cd582fdeb1fc" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "connection_tests__start_token_hash__unique" ON "connection_tests" ("start_token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "connection_tests__connection_id__created_at__index" ON "connection_tests" ("connection_id", "created_at")
        `);
    // The unused is_test flag becomes the test the login reports to.
    await queryRunner.query(`
            ALTER TABLE "login_states" DROP COLUMN "is_test"
        `);
    await queryRunner.query(`
            ALTER TABLE "login_states"
            ADD "connection_test_id" uuid
        `);
    await queryRunner.query(`
            ALTER TABLE "connection_tests"
            ADD CONSTRAINT "FK_0cf2bdc81c1caaa935c86cc2cdb" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "connection_tests"
            ADD CONSTRAINT "FK_472cc82e2d988bde9f3bce09cc4" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "login_states"
            ADD CONSTRAINT "FK_634fd873b6583ec09553e4d729e" FOREIGN KEY ("connection_test_id") REFERENCES "connection_tests"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "login_states" DROP CONSTRAINT "FK_634fd873b6583ec09553e4d729e"
        `);
    await queryRunner.query(`
            ALTER TABLE "connection_tests" DROP CONSTRAINT "FK_472cc82e2d988bde9f3bce09cc4"
        `);
    await queryRunner.query(`
            ALTER TABLE "connection_tests" DROP CONSTRAINT "FK_0cf2bdc81c1caaa935c86cc2cdb"
        `);
    await queryRunner.query(`
            ALTER TABLE "login_states" DROP COLUMN "connection_test_id"
        `);
    await queryRunner.query(`
            ALTER TABLE "login_states"
            ADD "is_test" boolean NOT NULL DEFAULT false
        `);
    await queryRunner.query(`
            DROP INDEX "public"."connection_tests__connection_id__created_at__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."connection_tests__start_token_hash__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "connection_tests"
        `);
  }
}
