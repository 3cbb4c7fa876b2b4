import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddMagicLinks1795447746925 implements MigrationInterface {
  name = 'AddMagicLinks1795447746925';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "magic_links" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "token_hash" character varying(64) NOT NULL,
                "email" character varying(320) NOT NULL,
                "return_to" character varying(2048) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_6c609d48037f164e7ae5b744b18" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "magic_links__token_hash__unique" ON "magic_links" ("token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "magic_links__expires_at__index" ON "magic_links" ("expires_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "magic_links"
            ADD CONSTRAINT "FK_c8a02e180d20b1460cb02d77d4c" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "magic_links" DROP CONSTRAINT "FK_c8a02e180d20b1460cb02d77d4c"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."magic_links__expires_at__index"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."magic_links__token_hash__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "magic_links"
        `);
  }
}
