import { ValidationError, ValidationPipe } from '@nestjs/common';
import { BadInputError } from './errors';

function firstProblem(errors: ValidationError[], path: string[] = []): { field: string; message: string } {
  const [error] = errors;
  const fieldPath = [...path, error.property];
  if (error.constraints) {
    return { field: fieldPath.join('.'), message: Object.values(error.constraints)[0] };
  }
  return firstProblem(error.children ?? [], fieldPath);
}

/** class-validator on every input; the first problem becomes a BadInputError naming its field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: false,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const { field, message } = firstProblem(errors);
      return new BadInputError(field, message.replace(/^\S+ /, ''));
    },
  });
}

/** The same validation for input that arrives outside GraphQL (the setup portal's forms). */
export async function validateInput<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<T> {
  return (await createValidationPipe().transform(plain, { type: 'body', metatype: type })) as T;
}
