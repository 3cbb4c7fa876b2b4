import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSetupLinks1795570000000 implements MigrationInterface {
  name = 'AddSetupLinks1795570000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "setup_links" (
        "organization_id" uuid NOT NULL,
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_hash" character varying(64) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "opened_at" TIMESTAMP WITH TIME ZONE,
        "connection_id" uuid NOT NULL,
        "created_by" character varying(100) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_5e3bfdff225a21d7518e6fbeed6" PRIMARY KEY ("id"),
        CONSTRAINT "FK_9311c381fdaaae68da810ffe224" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "setup_links__token_hash__unique" ON "setup_links" ("token_hash")`);
    await queryRunner.query(`
      CREATE TABLE "setup_sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "setup_link_id" uuid NOT NULL,
        "token_hash" character varying(64) NOT NULL,
        "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_087765e0db161b437adce0b85a3" PRIMARY KEY ("id"),
        CONSTRAINT "FK_03e6d6fe6bb336ae69d978ffec9" FOREIGN KEY ("setup_link_id") REFERENCES "setup_links"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "setup_sessions__token_hash__unique" ON "setup_sessions" ("token_hash")`);
    await queryRunner.query(`ALTER TABLE "connection_tests" ADD "continue_url" character varying(2048)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "connection_tests" DROP COLUMN "continue_url"`);
    await queryRunner.query(`DROP TABLE "setup_sessions"`);
    await queryRunner.query(`DROP TABLE "setup_links"`);
  }
}
