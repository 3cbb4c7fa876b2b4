import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { BadInputError } from './errors';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** Ids are UUIDs: anything else is bad input naming the argument, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (value === undefined || value === null) return value;
    if (!isUuid(value)) throw new BadInputError(metadata.data ?? 'id', 'must be an id (UUID)');
    return value.toLowerCase();
  }
}
