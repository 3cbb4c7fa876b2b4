import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class Role {
  @Field()
  slug: string;

  @Field()
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
