import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import type { ApolloServerPlugin } from '@apollo/server';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * The limits every GraphQL document meets before anything runs (parsing counts tokens,
 * validation measures depth, cost, aliases and directives in time linear in the document;
 * API keys are checked later, by the resolvers' guard). Sized for the admin API: its deepest
 * real query, `organizations { connections { roleMappings { … } } }`, costs about 100.
 */
export const GRAPHQL_LIMITS = {
  maxDepth: 8,
  maxCost: 500,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2000,
} as const;

/** The code of a document refused by a limit (as for any other invalid document). */
export const QUERY_REFUSED_CODE = 'GRAPHQL_VALIDATION_FAILED';

type Limit = 'depth' | 'cost' | 'aliases' | 'directives';

/** GraphQL Armor words its refusals "Syntax Error: Query depth limit of 8 exceeded, found 12." */
export function queryRefusal(limit: Limit, armorMessage: string): GraphQLError {
  const detail = armorMessage.replace(/^Syntax Error:\s*/, '');
  return new GraphQLError(`query refused by the ${limit} limit: ${detail}`, { extensions: { code: QUERY_REFUSED_CODE, limit } });
}

function reportAs(limit: Limit): { onReject: GraphQLArmorRejectCallback[]; propagateOnRejection: boolean } {
  return {
    onReject: [(context, error) => context?.reportError(queryRefusal(limit, error.message))],
    propagateOnRejection: false,
  };
}

/**
 * The token limit is graphql-js's own (`parse(…, { maxTokens })`, which stops the lexer) rather
 * than Armor's (a plugin that parses the document a second time and whose refusal Apollo
 * answers with a 500). Its parse error is worded like the other limits' refusals here.
 */
const tokenRefusalPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          const tooLong = /^Syntax Error: Document contains more th[ae][nt] (\d+) tokens/.exec(error.message);
          if (!tooLong) continue;
          error.message = `query refused by the tokens limit: the document has more than ${tooLong[1]} tokens.`;
          Object.assign(error.extensions, { code: QUERY_REFUSED_CODE, limit: 'tokens' });
        }
      },
    };
  },
};

/** GraphQL Armor's plugins and validation rules for Apollo; field suggestions are masked in production. */
export function graphqlProtection(production: boolean): {
  plugins: NonNullable<ApolloDriverConfig['plugins']>;
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
} {
  const { plugins, validationRules } = new ApolloArmor({
    maxTokens: { enabled: false },
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, flattenFragments: true, ...reportAs('depth') },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, flattenFragments: true, ...reportAs('cost') },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases, ...reportAs('aliases') },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, ...reportAs('directives') },
    blockFieldSuggestion: { enabled: production },
  }).protect();
  // Armor is typed against Apollo's CommonJS declarations, Nest against its ESM ones: the same objects.
  const apolloPlugins = [...plugins, tokenRefusalPlugin] as unknown as NonNullable<ApolloDriverConfig['plugins']>;
  return { plugins: apolloPlugins, validationRules, parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens } };
}
