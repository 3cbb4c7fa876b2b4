import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every instance keeps the connections logins read in memory and forgets one when PostgreSQL
 * notifies it on `connection_changed`, at the commit of whatever wrote it. A trigger, so that no
 * write path can forget to. A login's own bookkeeping (last_login_at, with updated_at) changes
 * nothing a login reads, and is left out: it would empty the memo at every login.
 */
export class NotifyConnectionChanges1795700000000 implements MigrationInterface {
  name = 'NotifyConnectionChanges1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE FUNCTION "notify_connection_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('connection_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
              RETURN NULL;
            END
            $$
        `);
    await queryRunner.query(`
            CREATE TRIGGER "connections__changed__notify" AFTER INSERT OR DELETE ON "connections"
            FOR EACH ROW EXECUTE FUNCTION "notify_connection_changed"()
        `);
    await queryRunner.query(`
            CREATE TRIGGER "connections__updated__notify" AFTER UPDATE ON "connections"
            FOR EACH ROW
            WHEN ((to_jsonb(OLD) - 'last_login_at' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_login_at' - 'updated_at'))
            EXECUTE FUNCTION "notify_connection_changed"()
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "connections__updated__notify" ON "connections"`);
    await queryRunner.query(`DROP TRIGGER "connections__changed__notify" ON "connections"`);
    await queryRunner.query(`DROP FUNCTION "notify_connection_changed"()`);
  }
}
