import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * Reads one entity with a fixed, parameterised SQL text and hydrates it the way TypeORM does
 * (each column's driver conversion), without a query builder: for hot paths, where building
 * the query and mapping aliases cost more than the database does.
 */
export class RowReader<T extends ObjectLiteral> {
  private readonly sql: string;

  /** `where` is SQL on the entity's own table with `$n` parameters, never interpolated values. */
  constructor(
    private readonly repository: Repository<T>,
    where: string,
  ) {
    const { metadata } = repository;
    const columns = this.columns().map((column) => `"${column.databaseName}"`);
    this.sql = `SELECT ${columns.join(', ')} FROM "${metadata.tableName}" WHERE ${where} LIMIT 1`;
  }

  async one(parameters: unknown[]): Promise<T | null> {
    const rows = (await this.repository.manager.query(this.sql, parameters)) as Record<string, unknown>[];
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
