import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

export enum DomainStatus {
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
  FAILED = 'FAILED',
}
registerEnumType(DomainStatus, {
  name: 'DomainStatus',
  description: 'Where an organization’s claim of a domain stands; only VERIFIED counts for anything.',
  valuesMap: {
    PENDING: {
      description: 'Claimed; its TXT record was not seen yet (checked again in the background). Counts for nothing and blocks no one.',
    },
    VERIFIED: { description: 'Proven: routes /sso/discover, admits logins, and counts for require-SSO and email trust.' },
    FAILED: {
      description: 'Given up: not proven within the retry window, or verified meanwhile by another organization. verifyDomain tries again.',
    },
  },
});

export enum DomainVerificationMethod {
  DNS = 'DNS',
  OPERATOR = 'OPERATOR',
  GRANDFATHERED = 'GRANDFATHERED',
}
registerEnumType(DomainVerificationMethod, {
  name: 'DomainVerificationMethod',
  description: 'How a domain was proven.',
  valuesMap: {
    DNS: { description: 'Its TXT record was seen; re-checked periodically, and it stops counting when the record stays missing.' },
    OPERATOR: { description: 'A platform operator checked it another way (markDomainVerified); not re-checked.' },
    GRANDFATHERED: {
      description: 'Claimed before domain verification existed; kept so that the upgrade locked no one out. Not re-checked.',
    },
  },
});

/**
 * One organization's claim of an email domain. Several organizations may claim a domain;
 * at most one holds it VERIFIED (the partial unique index).
 */
@ObjectType({
  description:
    'An organization’s claim of an email domain. Once VERIFIED (by a DNS TXT record) it routes /sso/discover and admits logins of its addresses.',
})
@Entity('domains')
@Index('domains__organization_id__domain__unique', ['organizationId', 'domain'], { unique: true })
@Index('domains__domain__verified__unique', ['domain'], { unique: true, where: `"status" = 'VERIFIED'` })
@Index('domains__next_check_at__index', ['nextCheckAt'])
export class Domain extends OrganizationScopedEntity {
  @Field(() => ID, { description: 'The claim’s id.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Normalised: lower case, punycode (ASCII), no trailing dot. */
  @Field({ description: 'The domain in its ASCII (punycode) form, as DNS and email addresses carry it.' })
  @Column({ type: 'varchar', length: 253 })
  domain: string;

  @Field(() => DomainStatus, { description: 'Where the claim stands.' })
  @Column({ type: 'enum', enum: DomainStatus, enumName: 'domain_status', default: DomainStatus.PENDING })
  status: DomainStatus;

  /** The random value of this claim's TXT record (shown to the admin; proves nothing by itself). */
  @Column({ name: 'verification_token', type: 'varchar', length: 64 })
  verificationToken: string;

  @Field(() => DomainVerificationMethod, { nullable: true, description: 'How it was proven; null until VERIFIED.' })
  @Column({
    name: 'verification_method',
    type: 'enum',
    enum: DomainVerificationMethod,
    enumName: 'domain_verification_method',
    nullable: true,
  })
  verificationMethod: DomainVerificationMethod | null;

  @Field(() => Date, { nullable: true, description: 'When it became VERIFIED; null while it is not.' })
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last check did not verify it, in words for an IT admin; null when the last check found the record.',
  })
  @Column({ name: 'verification_error', type: 'varchar', length: 500, nullable: true })
  verificationError: string | null;

  /** Start of the current retry window of a PENDING domain. */
  @Column({ name: 'pending_since', type: 'timestamptz', nullable: true })
  pendingSince: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the background check looks up its record next; null: never (FAILED, or not verified through DNS).',
  })
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true })
  nextCheckAt: Date | null;

  /** Background checks since the retry window began (the back-off grows with it). */
  @Column({ name: 'check_attempts', type: 'integer', default: 0 })
  checkAttempts: number;

  /** A VERIFIED domain whose record a re-check did not find: since when it is missing. */
  @Column({ name: 'record_missing_since', type: 'timestamptz', nullable: true })
  recordMissingSince: Date | null;

  @Field(() => Date, { nullable: true, description: 'When its TXT record was last looked up; null if never.' })
  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
