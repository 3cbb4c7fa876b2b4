import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getIntrospectionQuery } from 'graphql';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';

interface Described {
  name: string;
  description: string | null;
}
interface IntrospectedType extends Described {
  kind: string;
  fields: (Described & { args: Described[] })[] | null;
  inputFields: Described[] | null;
  enumValues: Described[] | null;
}

/** The introspection query GraphQL IDEs send (Apollo Sandbox's included): it must pass the query limits. */
const INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Every part of the schema a GraphQL client shows a description for, named as `Type.field(arg)`. */
function undescribed(types: IntrospectedType[], rootTypes: Set<string>): string[] {
  const missing: string[] = [];
  const check = (path: string, { description }: { description: string | null }) => {
    if (!description?.trim()) missing.push(path);
  };
  for (const type of types) {
    if (type.name.startsWith('__') || BUILT_IN_SCALARS.has(type.name)) continue;
    // Query and Mutation are containers: their operations carry the descriptions.
    if (!rootTypes.has(type.name)) check(type.name, type);
    for (const field of type.fields ?? []) {
      check(`${type.name}.${field.name}`, field);
      for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg);
    }
    for (const field of type.inputFields ?? []) check(`${type.name}.${field.name}`, field);
    for (const value of type.enumValues ?? []) check(`${type.name}.${value.name}`, value);
  }
  return missing;
}

describe('the GraphQL schema’s descriptions', () => {
  let service: TestApp & { database: TestDatabase };
  let types: IntrospectedType[];
  let rootTypes: Set<string>;

  beforeAll(async () => {
    service = await startTestApp();
    const { __schema } = await graphqlOk<{
      __schema: { queryType: { name: string }; mutationType: { name: string }; types: IntrospectedType[] };
    }>(service.url, PLATFORM_KEY, INTROSPECTION);
    types = __schema.types;
    rootTypes = new Set([__schema.queryType.name, __schema.mutationType.name]);
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
  });

  it('describes every type, field, argument and enum value', () => {
    expect(types.length).toBeGreaterThan(20);
    expect(undescribed(types, rootTypes)).toEqual([]);
  });

  it('says what idpGroupId holds for each kind of IdP', () => {
    const descriptions = [
      types.find((type) => type.name === 'RoleMapping')!.fields!.find((field) => field.name === 'idpGroupId')!.description,
      types.find((type) => type.name === 'CreateRoleMappingInput')!.inputFields!.find((field) => field.name === 'idpGroupId')!.description,
    ];
    for (const description of descriptions) {
      expect(description).toMatch(/Entra/);
      expect(description).toMatch(/object id/i);
      expect(description).toMatch(/Okta/);
      expect(description).toMatch(/group name/i);
      expect(description).toMatch(/GENERIC_OIDC/);
    }
  });

  it('finds what is missing (the check itself)', () => {
    const sample: IntrospectedType[] = [
      {
        name: 'Thing',
        kind: 'OBJECT',
        description: 'A thing.',
        fields: [{ name: 'size', description: ' ', args: [{ name: 'unit', description: null }] }],
        inputFields: null,
        enumValues: null,
      },
      { name: 'Colour', kind: 'ENUM', description: null, fields: null, inputFields: null, enumValues: [{ name: 'RED', description: '' }] },
      { name: '__Type', kind: 'OBJECT', description: null, fields: [], inputFields: null, enumValues: null },
      { name: 'String', kind: 'SCALAR', description: null, fields: null, inputFields: null, enumValues: null },
    ];
    expect(undescribed(sample, new Set())).toEqual(['Thing.size', 'Thing.size(unit)', 'Colour', 'Colour.RED']);
  });
});
