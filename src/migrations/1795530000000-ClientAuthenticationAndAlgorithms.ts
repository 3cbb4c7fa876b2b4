import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token endpoint authentication per connection (override and the IdP's announcement), the IdP's
 * ID-token algorithms, the opt-in to HS256–512, a client secret optional for private_key_jwt,
 * and the service's own private_key_jwt keys. Existing rows keep their secret; their announced
 * lists stay null (unknown) until the connection's IdP settings are saved again.
 */
export class ClientAuthenticationAndAlgorithms1795530000000 implements MigrationInterface {
  name = 'ClientAuthenticationAndAlgorithms1795530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."token_endpoint_auth_method" AS ENUM('client_secret_basic', 'client_secret_post', 'private_key_jwt')`,
    );
    await queryRunner.query(`ALTER TABLE "connections" ADD "token_endpoint_auth_method" "public"."token_endpoint_auth_method"`);
    await queryRunner.query(`ALTER TABLE "connections" ADD "token_endpoint_auth_methods_supported" text array`);
    await queryRunner.query(`ALTER TABLE "connections" ADD "id_token_signing_alg_values_supported" text array`);
    await queryRunner.query(`ALTER TABLE "connections" ADD "allow_symmetric_id_token_signature" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "connections" ALTER COLUMN "client_secret_encrypted" DROP NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE "client_assertion_keys" (
        "id" character varying(64) NOT NULL,
        "algorithm" character varying(10) NOT NULL,
        "public_jwk" jsonb NOT NULL,
        "private_jwk_encrypted" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_5c8fe0248233c51cc6bef567452" PRIMARY KEY ("id")
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "client_assertion_keys"`);
    // A private_key_jwt connection without a secret cannot go back to a schema that demands one.
    await queryRunner.query(`DELETE FROM "connections" WHERE "client_secret_encrypted" IS NULL`);
    await queryRunner.query(`ALTER TABLE "connections" ALTER COLUMN "client_secret_encrypted" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "allow_symmetric_id_token_signature"`);
    await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "id_token_signing_alg_values_supported"`);
    await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "token_endpoint_auth_methods_supported"`);
    await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "token_endpoint_auth_method"`);
    await queryRunner.query(`DROP TYPE "public"."token_endpoint_auth_method"`);
  }
}
