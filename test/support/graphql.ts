export interface GraphqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** POSTs a GraphQL operation with variables (never ids pasted into the query text). */
export async function graphql<T = Record<string, any>>(
  baseUrl: string,
  apiKey: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlResult<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphqlResult<T>;
  return { ...body, status: response.status };
}

/** The operation's data; fails the test with the errors when there are any. */
export async function graphqlOk<T = Record<string, any>>(
  baseUrl: string,
  apiKey: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const result = await graphql<T>(baseUrl, apiKey, query, variables);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL failed: ${JSON.stringify(result.errors ?? result)}`);
  }
  return result.data;
}

export function errorCode(result: GraphqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
