import type { INestApplication } from '@nestjs/common';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';

export interface StatementRecorder {
  /** Runs `work` and returns every SQL statement the app sent to the database meanwhile, in order. */
  during(work: () => Promise<unknown>): Promise<string[]>;
}

/**
 * Records the statements of a running test app. TypeORM's query runners hand every statement to
 * the DataSource's logger, whatever the logging options say, so a proxy in front of that logger
 * sees all of them (transaction control included) and changes nothing else.
 */
export function recordStatements(app: INestApplication): StatementRecorder {
  const dataSource = app.get(DataSource);
  const logger = dataSource.logger;
  let recorded: string[] | null = null;
  dataSource.logger = new Proxy(logger, {
    get: (target, name: keyof TypeOrmLogger) =>
      name === 'logQuery'
        ? (query: string, ...rest: unknown[]) => {
            recorded?.push(query);
            return (target.logQuery as (...args: unknown[]) => unknown)(query, ...rest);
          } // eslint-disable-next-line @typescript-eslint/unbound-method -- the proxy hands back the logger's own members
        : target[name],
  });
  return {
    async during(work) {
      const statements: string[] = [];
      recorded = statements;
      try {
        await work();
      } finally {
        recorded = null;
      }
      return statements;
    },
  };
}
