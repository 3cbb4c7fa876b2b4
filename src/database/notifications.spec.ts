import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DatabaseNotifications, type NotificationSubscriber } from './notifications';

/** A LISTEN connection that connects when told to and records what it was asked. */
class StandInClient extends EventEmitter {
  readonly queries: string[] = [];
  refuse = false;
  ended = false;

  connect(): Promise<void> {
    return this.refuse ? Promise.reject(new Error('connection refused')) : Promise.resolve();
  }

  query(text: string): Promise<void> {
    this.queries.push(text);
    return Promise.resolve();
  }

  end(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

class ListenerUnderTest extends DatabaseNotifications {
  readonly clients: StandInClient[] = [];
  refuseNext = false;

  protected override newClient(): Client {
    const client = new StandInClient();
    client.refuse = this.refuseNext;
    this.clients.push(client);
    return client as unknown as Client;
  }
}

function subscriber() {
  const heard: string[] = [];
  const events: string[] = [];
  const value: NotificationSubscriber = {
    onNotification: (payload) => void heard.push(payload),
    onListening: () => void events.push('listening'),
    onLost: () => void events.push('lost'),
  };
  return { heard, events, value };
}

describe('DatabaseNotifications', () => {
  let warnings: string[];
  let infos: string[];
  let listener: ListenerUnderTest;

  beforeEach(() => {
    jest.useFakeTimers();
    warnings = [];
    infos = [];
    const logger = { warn: (message: string) => warnings.push(message), info: (message: string) => infos.push(message) };
    listener = new ListenerUnderTest({ options: {} } as DataSource, logger as unknown as Logger);
  });

  afterEach(async () => {
    await listener.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('listens on every subscribed channel in one statement and tells each subscriber', async () => {
    const roles = subscriber();
    const keys = subscriber();
    listener.subscribe('roles_changed', roles.value);
    listener.subscribe('api_key_revoked', keys.value);
    await listener.onModuleInit();
    expect(listener.clients[0].queries).toEqual(['LISTEN roles_changed; LISTEN api_key_revoked']);
    expect(listener.listening).toBe(true);
    expect([roles.events, keys.events]).toEqual([['listening'], ['listening']]);
  });

  it('hands a notification to the subscribers of its channel only', async () => {
    const first = subscriber();
    const second = subscriber();
    const other = subscriber();
    listener.subscribe('roles_changed', first.value);
    listener.subscribe('roles_changed', second.value);
    listener.subscribe('api_key_revoked', other.value);
    await listener.onModuleInit();
    listener.clients[0].emit('notification', { channel: 'roles_changed', payload: 'org-1' });
    expect([first.heard, second.heard, other.heard]).toEqual([['org-1'], ['org-1'], []]);
  });

  it('refuses a channel name it could not LISTEN to safely, and a subscription once started', async () => {
    expect(() => listener.subscribe('roles; DROP TABLE users', subscriber().value)).toThrow(/not a channel name/);
    await listener.onModuleInit();
    expect(() => listener.subscribe('late', subscriber().value)).toThrow(/before the listener starts/);
  });

  it('on a lost connection stops listening, tells the subscribers, warns once and connects again', async () => {
    const roles = subscriber();
    listener.subscribe('roles_changed', roles.value);
    await listener.onModuleInit();
    listener.refuseNext = true;
    listener.clients[0].emit('error', new Error('heartbeat timed out after 2000 ms'));
    expect(listener.listening).toBe(false);
    expect(listener.clients[0].ended).toBe(true);
    expect(roles.events).toEqual(['listening', 'lost']);
    // A failed reconnection is not another warning.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(listener.clients).toHaveLength(2);
    listener.refuseNext = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(listener.clients).toHaveLength(3);
    expect(listener.listening).toBe(true);
    expect(roles.events).toEqual(['listening', 'lost', 'lost', 'listening']);
    expect(warnings).toEqual([expect.stringMatching(/LISTEN lost \(heartbeat timed out after 2000 ms\)/)]);
    expect(infos).toEqual([expect.stringMatching(/LISTEN is back/)]);
  });

  it('ignores what an old connection reports, and connects no more once shut down', async () => {
    await listener.onModuleInit();
    listener.clients[0].emit('end');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(listener.clients).toHaveLength(2);
    listener.clients[0].emit('error', new Error('late news from the old connection'));
    expect(listener.listening).toBe(true);
    await listener.onApplicationShutdown();
    listener.clients[1].emit('end');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(listener.clients).toHaveLength(2);
    expect(listener.listening).toBe(false);
  });
});
