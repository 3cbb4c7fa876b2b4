import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A role a member can hold; every organization has the built-in owner, admin, editor and viewer.' })
export class Role {
  @Field({ description: 'The role’s stable identifier, as session tokens and the roles API carry it (such as editor).' })
  slug: string;

  @Field({ description: 'The role’s display name (such as Editor).' })
  name: string;
}

/** The roles every organization has. */
export const BUILT_IN_ROLES: readonly Role[] = [
  { slug: 'owner', name: 'Owner' },
  { slug: 'admin', name: 'Admin' },
  { slug: 'editor', name: 'Editor' },
  { slug: 'viewer', name: 'Viewer' },
];

export function isRoleOf(_organizationId: string, slug: string): boolean {
  return BUILT_IN_ROLES.some((role) => role.slug === slug);
}

export const ROLE_SLUGS = BUILT_IN_ROLES.map((role) => role.slug);
