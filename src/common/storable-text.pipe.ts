import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { BadInputError } from './errors';

/**
 * Where in a value a string sits that PostgreSQL cannot store as text: a NUL character (which
 * `text` and `varchar` refuse) or an unpaired UTF-16 surrogate (not UTF-8 at all; the driver
 * would silently store U+FFFD in its place). Undefined when every string is storable.
 */
const NUL_OR_UNPAIRED_SURROGATE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function findUnstorableText(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return NUL_OR_UNPAIRED_SURROGATE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, String(index)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Every argument of every route and resolver (body, query, path, GraphQL args), before any
 * other pipe: a string PostgreSQL cannot store is bad input naming its field, never a 500.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const path = findUnstorableText(value);
    if (path) {
      // An input object's fields are named as the validation pipe names them (`name`, not `input.name`).
      const field = path.length > 0 ? path.join('.') : (metadata.data ?? 'input');
      throw new BadInputError(field, 'must not contain NUL characters or invalid Unicode');
    }
    return value;
  }
}
