import type { EntityManager } from 'typeorm';
import type { DatabaseNotifications, NotificationSubscriber } from '../database/notifications';
import { NotifiedCache } from './notified-cache';

/** The instance's listener as the cache sees it: whether it listens, and what it hears. */
class Listener {
  listening = true;
  readonly sent: unknown[][] = [];
  subscriber: NotificationSubscriber | undefined;
  channel: string | undefined;

  subscribe(channel: string, subscriber: NotificationSubscriber): void {
    this.channel = channel;
    this.subscriber = subscriber;
  }

  notify(_manager: EntityManager, channel: string, payload: string): Promise<void> {
    this.sent.push([channel, payload]);
    return Promise.resolve();
  }
}

function cacheWith(listener: Listener): NotifiedCache<string | null> {
  return new NotifiedCache<string | null>(listener as unknown as DatabaseNotifications, 'things_changed', 10);
}

/** A load that finishes when told to, so that something can happen while it runs. */
function pendingLoad(value: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish,
    load: async () => {
      await done;
      return value;
    },
  };
}

describe('NotifiedCache', () => {
  it('keeps what it loads, a "none" too, by group and key', async () => {
    const cache = cacheWith(new Listener());
    await cache.load('org-a', 'k', () => Promise.resolve('roles'));
    await cache.load('org-a', 'none', () => Promise.resolve(null));
    expect(cache.peek('org-a', 'k')).toEqual({ value: 'roles' });
    expect(cache.peek('org-a', 'none')).toEqual({ value: null });
    expect(cache.peek('org-a', 'other')).toBeUndefined();
    expect(cache.peek('org-b', 'k')).toBeUndefined();
  });

  it('subscribes to its channel and forgets a group that a notification names, and only that group', async () => {
    const listener = new Listener();
    const cache = cacheWith(listener);
    await cache.load('org-a', 'k', () => Promise.resolve('a'));
    await cache.load('org-b', 'k', () => Promise.resolve('b'));
    expect(listener.channel).toBe('things_changed');
    listener.subscriber!.onNotification('org-a');
    expect(cache.peek('org-a', 'k')).toBeUndefined();
    expect(cache.peek('org-b', 'k')).toEqual({ value: 'b' });
  });

  it('forgets every group on "*", on invalidate() and when the listener comes back', async () => {
    const listener = new Listener();
    const cache = cacheWith(listener);
    const fill = () => cache.load('org-a', 'k', () => Promise.resolve('a'));
    await fill();
    listener.subscriber!.onNotification('*');
    expect(cache.peek('org-a', 'k')).toBeUndefined();
    await fill();
    cache.invalidate();
    expect(cache.peek('org-a', 'k')).toBeUndefined();
    await fill();
    listener.subscriber!.onListening!();
    expect(cache.peek('org-a', 'k')).toBeUndefined();
  });

  it('does not keep an answer read while its group changed', async () => {
    const cache = cacheWith(new Listener());
    const slow = pendingLoad('read before the change');
    const loading = cache.load('org-a', 'k', slow.load);
    cache.invalidate('org-a');
    slow.finish();
    expect(await loading).toBe('read before the change');
    expect(cache.peek('org-a', 'k')).toBeUndefined();
  });

  it('does not keep an answer read while the listener went away and came back', async () => {
    const listener = new Listener();
    const cache = cacheWith(listener);
    const slow = pendingLoad('read while deaf');
    const loading = cache.load('org-a', 'k', slow.load);
    listener.subscriber!.onListening!();
    slow.finish();
    await loading;
    expect(cache.peek('org-a', 'k')).toBeUndefined();
  });

  it('neither answers nor keeps anything while the listener is down', async () => {
    const listener = new Listener();
    const cache = cacheWith(listener);
    await cache.load('org-a', 'k', () => Promise.resolve('a'));
    listener.listening = false;
    expect(cache.peek('org-a', 'k')).toBeUndefined();
    await cache.load('org-a', 'j', () => Promise.resolve('j'));
    listener.listening = true;
    expect(cache.peek('org-a', 'j')).toBeUndefined();
  });

  it('announces a change of one group, or of every group, on its channel', async () => {
    const listener = new Listener();
    const cache = cacheWith(listener);
    const manager = {} as EntityManager;
    await cache.announceChange(manager, 'org-a');
    await cache.announceChange(manager);
    expect(listener.sent).toEqual([
      ['things_changed', 'org-a'],
      ['things_changed', '*'],
    ]);
  });
});
