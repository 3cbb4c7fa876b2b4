import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export const NAME_MAX_LENGTH = 200;

/** Surrounding whitespace is never part of a name: "  Acme " is stored as "Acme". */
export function trimmed(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

/**
 * A display name (organization, connection, role mapping): trimmed, then required to be
 * non-empty, so "   " is refused as bad input naming the field instead of stored blank.
 */
export function IsName(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => trimmed(value)),
    IsString(),
    IsNotEmpty({ message: '$property must not be empty or only spaces' }),
    MaxLength(NAME_MAX_LENGTH),
  );
}
