/**
 * Thrown from `eventually`'s function when the condition can no longer come true (a process
 * exited, a wrong answer came): `eventually` rethrows it at once instead of waiting out its deadline.
 */
export class StopWaiting extends Error {}

/**
 * Retries `fn` until it stops throwing (an assertion that holds) or the deadline passes; then
 * throws its last error. For conditions a test awaits, instead of a fixed sleep.
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof StopWaiting || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
