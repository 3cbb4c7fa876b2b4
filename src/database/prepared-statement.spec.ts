import { describe, expect, it } from '@jest/globals';
import { QueryFailedError, type DataSource } from 'typeorm';
import { PreparedStatement, sendPreparedStatementsUnnamed } from './prepared-statement';

function fakeDataSource(failure?: Error) {
  const logged: unknown[][] = [];
  const failed: unknown[][] = [];
  const sent: { name?: string; text: string; values: unknown[] }[] = [];
  const dataSource = {
    logger: { logQuery: (...args: unknown[]) => logged.push(args), logQueryError: (...args: unknown[]) => failed.push(args) },
    driver: {
      master: {
        query: (config: { name?: string; text: string; values: unknown[] }) => {
          sent.push(config);
          return failure ? Promise.reject(failure) : Promise.resolve({ rows: [{ answer: 42 }] });
        },
      },
    },
  } as unknown as DataSource;
  return { dataSource, logged, failed, sent };
}

describe(PreparedStatement.name, () => {
  it('sends the text under a name derived from it, logs it as TypeORM would, and answers the rows', async () => {
    const { dataSource, logged, sent } = fakeDataSource();
    const statement = new PreparedStatement<{ answer: number }>('SELECT $1::int AS answer');
    expect(await statement.rows(dataSource, [42])).toEqual([{ answer: 42 }]);
    await statement.rows(dataSource, [7]);
    expect(logged).toEqual([
      ['SELECT $1::int AS answer', [42]],
      ['SELECT $1::int AS answer', [7]],
    ]);
    expect(sent[0].name).toMatch(/^sso_[0-9a-f]{24}$/);
    expect(sent[1].name).toBe(sent[0].name);
    expect(sent.map((config) => config.values)).toEqual([[42], [7]]);
  });

  it('gives different texts different names (one name must always mean one text on a connection)', async () => {
    const { dataSource, sent } = fakeDataSource();
    await new PreparedStatement('SELECT 1').rows(dataSource, []);
    await new PreparedStatement('SELECT 2').rows(dataSource, []);
    expect(sent[0].name).not.toBe(sent[1].name);
  });

  it('fails as TypeORM does: a QueryFailedError around the driver error, handed to the logger', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { dataSource, failed } = fakeDataSource(refused);
    const failure = await new PreparedStatement('SELECT 1').rows(dataSource, []).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toBe(refused);
    expect(failed).toEqual([[refused, 'SELECT 1', []]]);
  });

  it('sends the statement unnamed for a data source whose pooler cannot keep named statements', async () => {
    const { dataSource, sent } = fakeDataSource();
    sendPreparedStatementsUnnamed(dataSource);
    await new PreparedStatement('SELECT 1').rows(dataSource, []);
    expect(sent).toEqual([{ name: undefined, text: 'SELECT 1', values: [] }]);
  });
});
