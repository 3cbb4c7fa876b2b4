import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counters of every rate limit, shared by all instances. The layout is the one
 * rate-limiter-flexible's RateLimiterPostgres creates itself (told `tableCreated: true`, it
 * leaves the schema to migrations): a hashed key, points used, and the window's end in epoch ms.
 */
export class StoreRateLimits1795525100000 implements MigrationInterface {
  name = 'StoreRateLimits1795525100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "rate_limits" (
                "key" character varying(255) NOT NULL,
                "points" integer NOT NULL DEFAULT 0,
                "expire" bigint,
                CONSTRAINT "rate_limits__key__primary" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "rate_limits__expire__index" ON "rate_limits" ("expire")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."rate_limits__expire__index"
        `);
    await queryRunner.query(`
            DROP TABLE "rate_limits"
        `);
  }
}
