import { MigrationInterface, QueryRunner } from 'typeorm';

/** When each API key was last used (written at most once a minute), for `apiKeys`. */
export class ApiKeyLastUsed1795520000000 implements MigrationInterface {
  name = 'ApiKeyLastUsed1795520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "last_used_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "last_used_at"`);
  }
}
