import type { ObjectLiteral, Repository } from 'typeorm';
import { PreparedStatement } from './prepared-statement';

/**
 * Reads one entity with a fixed, parameterised SQL text and hydrates it the way TypeORM does
 * (each column's driver conversion), without a query builder and as a prepared statement: for
 * hot paths, where building the query, mapping aliases and planning cost more than running it.
 */
export class RowReader<T extends ObjectLiteral> {
  private readonly statement: PreparedStatement<Record<string, unknown>>;

  /** `where` is SQL on the entity's own table with `$n` parameters, never interpolated values. */
  constructor(
    private readonly repository: Repository<T>,
    where: string,
  ) {
    const { metadata } = repository;
    const columns = this.columns().map((column) => `"${column.databaseName}"`);
    this.statement = new PreparedStatement(`SELECT ${columns.join(', ')} FROM "${metadata.tableName}" WHERE ${where} LIMIT 1`);
  }

  async one(parameters: unknown[]): Promise<T | null> {
    const rows = await this.statement.rows(this.repository.manager.connection, parameters);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  private columns() {
    return this.repository.metadata.columns.filter((column) => !column.isVirtual);
  }

  private hydrate(row: Record<string, unknown>): T {
    const { metadata, manager } = this.repository;
    const driver = manager.connection.driver;
    const entity = metadata.create() as T;
    for (const column of this.columns()) column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }
}
