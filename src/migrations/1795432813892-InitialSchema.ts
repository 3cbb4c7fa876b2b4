import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795432813892 implements MigrationInterface {
  name = 'InitialSchema1795432813892';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "organizations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "slug" character varying(63) NOT NULL,
                "jit_provisioning" boolean NOT NULL DEFAULT true,
                "default_role" character varying(63) NOT NULL DEFAULT 'editor',
                "sso_required" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "organizations__slug__unique" ON "organizations" ("slug")
        `);
    await queryRunner.query(`
            CREATE TABLE "domains" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "domain" character varying(253) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_05a6b087662191c2ea7f7ddfc4d" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "domains__domain__unique" ON "domains" ("domain")
        `);
    await queryRunner.query(`
            CREATE TYPE "public"."connection_type" AS ENUM('ENTRA_ID', 'OKTA', 'GENERIC_OIDC')
        `);
    await queryRunner.query(`
            CREATE TYPE "public"."connection_state" AS ENUM('ACTIVE', 'INACTIVE')
        `);
    await queryRunner.query(`
            CREATE TABLE "connections" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "type" "public"."connection_type" NOT NULL,
                "state" "public"."connection_state" NOT NULL DEFAULT 'ACTIVE',
                "client_id" character varying(255) NOT NULL,
                "client_secret_encrypted" text NOT NULL,
                "client_secret_hint" character varying(4) NOT NULL,
                "client_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                "issuer" character varying(2048) NOT NULL,
                "entra_tenant" character varying(255),
                "okta_domain" character varying(2048),
                "authorization_server_id" character varying(255),
                "discovery_url" character varying(2048),
                "authorization_url" character varying(2048) NOT NULL,
                "token_url" character varying(2048) NOT NULL,
                "jwks_url" character varying(2048) NOT NULL,
                "userinfo_url" character varying(2048),
                "issuer_response_parameter" boolean NOT NULL DEFAULT false,
                "groups_claim" character varying(255) NOT NULL DEFAULT 'groups',
                "scopes" text array NOT NULL DEFAULT '{openid,email,profile}',
                "version" integer NOT NULL DEFAULT '1',
                "verified_at" TIMESTAMP WITH TIME ZONE,
                "last_login_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_0a1f844af3122354cbd487a8d03" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "connections__organization_id__index" ON "connections" ("organization_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "role_mappings" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "connection_id" uuid NOT NULL,
                "idp_group_id" character varying(255) NOT NULL,
                "name" character varying(200),
                "role" character varying(63) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_d282546e4443634600d33e3972c" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "role_mappings__connection_id__idp_group_id__unique" ON "role_mappings" ("connection_id", "idp_group_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "email" character varying(320) NOT NULL,
                "first_name" character varying(200),
                "last_name" character varying(200),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "users__email__unique" ON "users" ("email")
        `);
    await queryRunner.query(`
            CREATE TABLE "sso_identities" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "connection_id" uuid NOT NULL,
                "subject" character varying(255) NOT NULL,
                "user_id" uuid NOT NULL,
                "last_groups" text array NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_login_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_a8d11d478e6dc2743d407a7456a" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "sso_identities__user_id__index" ON "sso_identities" ("user_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "sso_identities__connection_id__subject__unique" ON "sso_identities" ("connection_id", "subject")
        `);
    await queryRunner.query(`
            CREATE TABLE "memberships" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "roles" text array NOT NULL DEFAULT '{}',
                "resources" text array NOT NULL DEFAULT '{*}',
                "roles_managed_manually" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_25d28bd932097a9e90495ede7b4" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "memberships__user_id__index" ON "memberships" ("user_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "memberships__organization_id__user_id__unique" ON "memberships" ("organization_id", "user_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "invitations" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "email" character varying(320) NOT NULL,
                "role" character varying(63) NOT NULL,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5dec98cfdfd562e4ad3648bbb07" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "invitations__organization_id__email__unique" ON "invitations" ("organization_id", "email")
        `);
    await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "organization_id" uuid,
                "prefix" character varying(32) NOT NULL,
                "secret_hash" character varying(64) NOT NULL,
                "scopes" text array NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "api_keys__secret_hash__unique" ON "api_keys" ("secret_hash")
        `);
    await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "organization_id" uuid,
                "action" character varying(100) NOT NULL,
                "actor" character varying(100) NOT NULL,
                "target_id" character varying(100),
                "details" jsonb NOT NULL DEFAULT '{}',
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_events__organization_id__at__index" ON "audit_events" ("organization_id", "at")
        `);
    await queryRunner.query(`
            CREATE TABLE "login_states" (
                "state_hash" character varying(64) NOT NULL,
                "connection_id" uuid NOT NULL,
                "browser_binding_hash" character varying(64) NOT NULL,
                "nonce" character varying(128) NOT NULL,
                "code_verifier_encrypted" text NOT NULL,
                "return_to" character varying(2048) NOT NULL,
                "is_test" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_fe57d098737b460e66dd4bec297" PRIMARY KEY ("state_hash")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "login_states__expires_at__index" ON "login_states" ("expires_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "sessions" (
                "organization_id" uuid NOT NULL,
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "method" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "sessions__user_id__organization_id__index" ON "sessions" ("user_id", "organization_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "signing_keys" (
                "id" character varying(64) NOT NULL,
                "algorithm" character varying(10) NOT NULL,
                "public_jwk" jsonb NOT NULL,
                "private_jwk_encrypted" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "retired_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_ab7d78cf6e61dc3904133b4cd55" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "domains"
            ADD CONSTRAINT "FK_55681e01ffd1048037edae916f4" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "connections"
            ADD CONSTRAINT "FK_383db4461bdeba3d8e970b0ed97" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "role_mappings"
            ADD CONSTRAINT "FK_48fc9d74958f5168d4f18408fb7" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "role_mappings"
            ADD CONSTRAINT "FK_b254fa5ff1bdf567224e1bf24c8" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "sso_identities"
            ADD CONSTRAINT "FK_38e81e7449018dd760cb8d6f68e" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "sso_identities"
            ADD CONSTRAINT "FK_17b0ed9f37917807a7072f71f96" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships"
            ADD CONSTRAINT "FK_e5380c394ec7912046d07b54290" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships"
            ADD CONSTRAINT "FK_7c1e2fdfed4f6838e0c05ae5051" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "invitations"
            ADD CONSTRAINT "FK_42d1dbb4d85dc3643fdc6560af0" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys"
            ADD CONSTRAINT "FK_a283bdef18876e525aefaec042f" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "sessions"
            ADD CONSTRAINT "FK_a9e3486bb3e8509466d4c9d6c93" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "sessions"
            ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"
        `);
    await queryRunner.query(`
            ALTER TABLE "sessions" DROP CONSTRAINT "FK_a9e3486bb3e8509466d4c9d6c93"
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys" DROP CONSTRAINT "FK_a283bdef18876e525aefaec042f"
        `);
    await queryRunner.query(`
            ALTER TABLE "invitations" DROP CONSTRAINT "FK_42d1dbb4d85dc3643fdc6560af0"
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships" DROP CONSTRAINT "FK_7c1e2fdfed4f6838e0c05ae5051"
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships" DROP CONSTRAINT "FK_e5380c394ec7912046d07b54290"
        `);
    await queryRunner.query(`
            ALTER TABLE "sso_identities" DROP CONSTRAINT "FK_17b0ed9f37917807a7072f71f96"
        `);
    await queryRunner.query(`
            ALTER TABLE "sso_identities" DROP CONSTRAINT "FK_38e81e7449018dd760cb8d6f68e"
        `);
    await queryRunner.query(`
            ALTER TABLE "role_mappings" DROP CONSTRAINT "FK_b254fa5ff1bdf567224e1bf24c8"
        `);
    await queryRunner.query(`
            ALTER TABLE "role_mappings" DROP CONSTRAINT "FK_48fc9d74958f5168d4f18408fb7"
        `);
    await queryRunner.query(`
            ALTER TABLE "connections" DROP CONSTRAINT "FK_383db4461bdeba3d8e970b0ed97"
        `);
    await queryRunner.query(`
            ALTER TABLE "domains" DROP CONSTRAINT "FK_55681e01ffd1048037edae916f4"
        `);
    await queryRunner.query(`
            DROP TABLE "signing_keys"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."sessions__user_id__organization_id__index"
        `);
    await queryRunner.query(`
            DROP TABLE "sessions"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."login_states__expires_at__index"
        `);
    await queryRunner.query(`
            DROP TABLE "login_states"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."audit_events__organization_id__at__index"
        `);
    await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."api_keys__secret_hash__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."invitations__organization_id__email__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "invitations"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."memberships__organization_id__user_id__unique"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."memberships__user_id__index"
        `);
    await queryRunner.query(`
            DROP TABLE "memberships"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."sso_identities__connection_id__subject__unique"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."sso_identities__user_id__index"
        `);
    await queryRunner.query(`
            DROP TABLE "sso_identities"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."users__email__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "users"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."role_mappings__connection_id__idp_group_id__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "role_mappings"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."connections__organization_id__index"
        `);
    await queryRunner.query(`
            DROP TABLE "connections"
        `);
    await queryRunner.query(`
            DROP TYPE "public"."connection_state"
        `);
    await queryRunner.query(`
            DROP TYPE "public"."connection_type"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."domains__domain__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "domains"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."organizations__slug__unique"
        `);
    await queryRunner.query(`
            DROP TABLE "organizations"
        `);
  }
}
