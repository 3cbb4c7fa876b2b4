import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate } from 'graphql';
import { queryLimitsRule } from './graphql-limits';

const schema = buildSchema(`
  type Node { id: ID! child: Node }
  type Query { node: Node }
`);

function problems(query: string, maxDepth = 3, maxFields = 10): string[] {
  return validate(schema, parse(query), [queryLimitsRule(maxDepth, maxFields)]).map((error) => error.message);
}

describe(queryLimitsRule.name, () => {
  it('lets a query within both limits through', () => {
    expect(problems('{ node { child { id } } }')).toEqual([]);
  });

  it('refuses a query nested deeper than the limit, also through fragments', () => {
    expect(problems('{ node { child { child { id } } } }')).toEqual(['query is nested 4 levels deep; the limit is 3']);
    expect(problems('{ node { ...deep } } fragment deep on Node { child { child { id } } }')).toEqual([
      'query is nested 4 levels deep; the limit is 3',
    ]);
  });

  it('refuses a query selecting more fields than the limit', () => {
    expect(problems(`{ node { ${Array.from({ length: 11 }, (_, index) => `a${index}: id`).join(' ')} } }`)).toEqual([
      'query selects 12 fields; the limit is 10',
    ]);
  });

  it('survives a fragment cycle', () => {
    expect(() => problems('{ node { ...a } } fragment a on Node { child { ...a } }')).not.toThrow();
  });
});
