import { MigrationInterface, QueryRunner } from 'typeorm';

export class RecordLoginAttempts1795447845936 implements MigrationInterface {
  name = 'RecordLoginAttempts1795447845936';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TYPE "public"."login_outcome" AS ENUM('SUCCEEDED', 'REFUSED')
        `);
    await queryRunner.query(`
            CREATE TABLE "login_attempts" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "connection_id" uuid NOT NULL,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "outcome" "public"."login_outcome" NOT NULL,
                "error_code" character varying(40),
                "reason" character varying(500),
                "subject" character varying(255),
                "email" character varying(320),
                "correlation_id" character varying(64) NOT NULL,
                CONSTRAINT "PK_070e613c8f768b1a70742705c5b" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "login_attempts__at__index" ON "login_attempts" ("at")
        `);
    await queryRunner.query(`
            CREATE INDEX "login_attempts__connection_id__at__index" ON "login_attempts" ("connection_id", "at")
        `);
    await queryRunner.query(`
            CREATE INDEX "login_attempts__organization_id__at__index" ON "login_attempts" ("organization_id", "at")
        `);
    await queryRunner.query(`
            ALTER TABLE "login_attempts"
            ADD CONSTRAINT "FK_0309e964607789f8351c624639c" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "login_attempts"
            ADD CONSTRAINT "FK_046ec4fc0b973d03b028f99ee07" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "login_attempts" DROP CONSTRAINT "FK_046ec4fc0b973d03b028f99ee07"
        `);
    await queryRunner.query(`
            ALTER TABLE "login_attempts" DROP CONSTRAINT "FK_0309e964607789f8351c624639c"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_attempts__organization_id__at__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_attempts__connection_id__at__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_attempts__at__index"
        `);
    await queryRunner.query(`
            DROP TABLE "login_attempts"
        `);
    await queryRunner.query(`
            DROP TYPE "public"."login_outcome"
        `);
  }
}
