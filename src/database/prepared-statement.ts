import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';

/**
 * A hot-path statement sent as a named prepared statement: PostgreSQL parses and plans it once
 * per pooled connection instead of on every call (planning was about a third of the database's
 * time per login, by pg_stat_statements with track_planning). It goes through the pool TypeORM
 * owns (same limits and timeouts), is handed to TypeORM's logger and fails with a
 * QueryFailedError, as TypeORM's own queries do. Only for a fixed text outside a transaction; never a `SELECT *`, whose prepared plan a
 * column change would break.
 */
/** Data sources whose pooler cannot keep named statements (DATABASE_PREPARED_STATEMENTS=false). */
const unnamed = new WeakSet<DataSource>();

/** Sends this data source's prepared statements unnamed: parsed and planned on every call, like any other. */
export function sendPreparedStatementsUnnamed(dataSource: DataSource): void {
  unnamed.add(dataSource);
}

export class PreparedStatement<Row> {
  /** The statement's name on each connection: derived from its text, so one text has one name. */
  private readonly name: string;

  constructor(private readonly text: string) {
    this.name = `sso_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  }

  async rows(dataSource: DataSource, values: unknown[]): Promise<Row[]> {
    dataSource.logger.logQuery(this.text, values);
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    try {
      const name = unnamed.has(dataSource) ? undefined : this.name;
      return (await pool.query({ name, text: this.text, values })).rows as Row[];
    } catch (error) {
      // As TypeORM's query runner does: the rest of the service (outage detection, redacted logs) knows this shape.
      dataSource.logger.logQueryError(error as Error, this.text, values);
      throw new QueryFailedError(this.text, values, error as Error);
    }
  }
}
