import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

export enum DomainStatus {
  /** Claimed; its TXT record is not seen yet. Counts for nothing and blocks no one. */
  PENDING = 'PENDING',
  /** Proven: routes /sso/discover, admits logins, counts for require-SSO and email trust. */
  VERIFIED = 'VERIFIED',
  /** Given up: not proven within the retry window, or verified by another organization. */
  FAILED = 'FAILED',
}
registerEnumType(DomainStatus, { name: 'DomainStatus' });

export enum DomainVerificationMethod {
  /** Its TXT record was seen; re-checked periodically. */
  DNS = 'DNS',
  /** A platform operator checked it another way (markDomainVerified); not re-checked. */
  OPERATOR = 'OPERATOR',
  /** Claimed before verification existed; kept so the upgrade locked no one out. Not re-checked. */
  GRANDFATHERED = 'GRANDFATHERED',
}
registerEnumType(DomainVerificationMethod, { name: 'DomainVerificationMethod' });

/**
 * One organization's claim of an email domain. Several organizations may claim a domain;
 * at most one holds it VERIFIED (the partial unique index).
 */
@ObjectType()
@Entity('domains')
@Index('domains__organization_id__domain__unique', ['organizationId', 'domain'], { unique: true })
@Index('domains__domain__verified__unique', ['domain'], { unique: true, where: `"status" = 'VERIFIED'` })
@Index('domains__next_check_at__index', ['nextCheckAt'])
export class Domain extends OrganizationScopedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Normalised: lower case, punycode (ASCII), no trailing dot. */
  @Field({ description: 'The domain in its ASCII (punycode) form, as DNS and email addresses carry it.' })
  @Column({ type: 'varchar', length: 253 })
  domain: string;

  @Field(() => DomainStatus)
  @Column({ type: 'enum', enum: DomainStatus, enumName: 'domain_status', default: DomainStatus.PENDING })
  status: DomainStatus;

  /** The random value of this claim's TXT record (shown to the admin; proves nothing by itself). */
  @Column({ name: 'verification_token', type: 'varchar', length: 64 })
  verificationToken: string;

  @Field(() => DomainVerificationMethod, { nullable: true })
  @Column({
    name: 'verification_method',
    type: 'enum',
    enum: DomainVerificationMethod,
    enumName: 'domain_verification_method',
    nullable: true,
  })
  verificationMethod: DomainVerificationMethod | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  /** Why the last check did not verify it, in words for an IT admin. */
  @Field(() => String, { nullable: true })
  @Column({ name: 'verification_error', type: 'varchar', length: 500, nullable: true })
  verificationError: string | null;

  /** Start of the current retry window of a PENDING domain. */
  @Column({ name: 'pending_since', type: 'timestamptz', nullable: true })
  pendingSince: Date | null;

  /** When the background check looks at it next; null: never (FAILED, or not verified through DNS). */
  @Field(() => Date, { nullable: true })
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true })
  nextCheckAt: Date | null;

  /** Background checks since the retry window began (the back-off grows with it). */
  @Column({ name: 'check_attempts', type: 'integer', default: 0 })
  checkAttempts: number;

  /** A VERIFIED domain whose record a re-check did not find: since when it is missing. */
  @Column({ name: 'record_missing_since', type: 'timestamptz', nullable: true })
  recordMissingSince: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
