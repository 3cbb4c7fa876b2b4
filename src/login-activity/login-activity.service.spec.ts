import { describe, expect, it } from '@jest/globals';
import type { Repository } from 'typeorm';
import { LoginActivityService } from './login-activity.service';
import type { LoginAttempt } from './entities/login-attempt.entity';
import type { LoginRefusalCount } from './entities/login-refusal-count.entity';
import { ConnectionType } from '../connections/entities/connection.entity';
import { MetricsService } from '../metrics/metrics.service';

describe(LoginActivityService.name, () => {
  const connection = { id: 'connection-id', organizationId: 'organization-id', type: ConnectionType.OKTA };

  function serviceWith(
    insert: (rows: Partial<LoginAttempt> | Partial<LoginAttempt>[]) => Promise<unknown>,
    metrics = new MetricsService(),
  ) {
    return new LoginActivityService({ insert } as unknown as Repository<LoginAttempt>, {} as Repository<LoginRefusalCount>, metrics);
  }

  it('swallows a failure to record, so a refused login still gets its error page', async () => {
    const service = serviceWith(() => Promise.reject(new Error('database is down')));
    await expect(
      service.record(connection, 'ref-1', { subject: null, email: null }, { code: 'idp_error', detail: 'x' }),
    ).resolves.toBeUndefined();
  });

  it('writes a success after the response, and the listing and the shutdown wait for it', async () => {
    const rows: Partial<LoginAttempt>[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const service = serviceWith(async (written) => {
      await held;
      rows.push(...[written].flat());
    });
    const facts = { subject: 's', email: 'e@x.com' };
    service.recordSuccessAfterResponse(connection, 'ref-3', facts);
    facts.subject = 'changed later';
    expect(rows).toEqual([]);
    const shutdown = service.beforeApplicationShutdown();
    release();
    await shutdown;
    expect(rows).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', correlationId: 'ref-3', subject: 's' })]);
  });

  it('records a refusal with its code and detail', async () => {
    const rows: Partial<LoginAttempt>[] = [];
    const service = serviceWith(async (written) => rows.push(...[written].flat()));
    await service.record(
      connection,
      'ref-2',
      { subject: 's', email: 'e@x.com' },
      { code: 'email_not_verified', detail: 'email_verified is "false"' },
    );
    expect(rows).toEqual([
      expect.objectContaining({
        outcome: 'REFUSED',
        errorCode: 'email_not_verified',
        reason: 'email_verified is "false"',
        correlationId: 'ref-2',
        subject: 's',
      }),
    ]);
  });

  it('counts every attempt in the login metrics by outcome, error code and connection type, even when not recorded', async () => {
    const metrics = new MetricsService();
    const service = serviceWith(() => Promise.reject(new Error('database is down')), metrics);
    await service.record(connection, 'ref-4', { subject: null, email: null }, { code: 'email_not_verified', detail: 'x' });
    await service.record(connection, 'ref-5', { subject: 's', email: 'e@x.com' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('sso_logins_total{outcome="refused",error_code="email_not_verified",connection_type="OKTA"} 1');
    expect(text).toContain('sso_logins_total{outcome="succeeded",error_code="none",connection_type="OKTA"} 1');
  });

  it('writes the successes that arrive during a write together, in one INSERT after it', async () => {
    const inserts: unknown[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const service = serviceWith(async (rows) => {
      inserts.push(rows);
      await held;
    });
    service.recordSuccessAfterResponse(connection, 'ref-6', { subject: 'a', email: 'a@x.com' });
    service.recordSuccessAfterResponse(connection, 'ref-7', { subject: 'b', email: 'b@x.com' });
    service.recordSuccessAfterResponse(connection, 'ref-8', { subject: 'c', email: 'c@x.com' });
    release();
    await service.beforeApplicationShutdown();
    expect(inserts).toEqual([
      expect.objectContaining({ correlationId: 'ref-6' }),
      [expect.objectContaining({ correlationId: 'ref-7' }), expect.objectContaining({ correlationId: 'ref-8' })],
    ]);
  });

  it('writes each success of a refused batch on its own, so that one bad row loses only itself', async () => {
    const stored: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const service = serviceWith(async (rows) => {
      await held;
      if (Array.isArray(rows)) throw new Error('insert or update violates foreign key constraint');
      if (rows.correlationId === 'ref-10') throw new Error('insert or update violates foreign key constraint');
      stored.push(rows.correlationId as string);
    });
    for (const ref of ['ref-9', 'ref-10', 'ref-11'])
      service.recordSuccessAfterResponse(connection, ref, { subject: 's', email: 'e@x.com' });
    release();
    await service.beforeApplicationShutdown();
    expect(stored).toEqual(['ref-9', 'ref-11']);
  });
});
