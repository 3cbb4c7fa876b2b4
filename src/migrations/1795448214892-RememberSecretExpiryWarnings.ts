import { MigrationInterface, QueryRunner } from 'typeorm';

export class RememberSecretExpiryWarnings1795448214892 implements MigrationInterface {
  name = 'RememberSecretExpiryWarnings1795448214892';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "connections"
            ADD "secret_expiry_warned_days" integer array NOT NULL DEFAULT '{}'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "connections" DROP COLUMN "secret_expiry_warned_days"
        `);
  }
}
