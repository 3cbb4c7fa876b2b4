import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Refuses documents nested deeper than `maxDepth` or selecting more than `maxFields`
 * fields in all (fragments expanded), so one request cannot make the server walk the
 * whole object graph.
 */
export function queryLimitsRule(maxDepth: number, maxFields: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    let fields = 0;

    const measure = (selectionSet: SelectionSetNode, depth: number, visiting: Set<string>): number => {
      let deepest = depth;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1;
          if (selection.selectionSet) deepest = Math.max(deepest, measure(selection.selectionSet, depth + 1, visiting));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, measure(selection.selectionSet, depth, visiting));
        } else {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || visiting.has(fragment.name.value)) continue;
          visiting.add(fragment.name.value);
          deepest = Math.max(deepest, measure(fragment.selectionSet, depth, visiting));
          visiting.delete(fragment.name.value);
        }
      }
      return deepest;
    };

    return {
      OperationDefinition(operation) {
        fields = 0;
        const depth = measure(operation.selectionSet, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`query is nested ${depth} levels deep; the limit is ${maxDepth}`, {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          );
        }
        if (fields > maxFields) {
          context.reportError(
            new GraphQLError(`query selects ${fields} fields; the limit is ${maxFields}`, {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          );
        }
      },
    };
  };
}
