/**
 * Retries `fn` until it stops throwing (an assertion that holds), or fails with its last error
 * once `timeoutMs` has passed: for effects that happen after a response, without fixed sleeps.
 */
export async function eventually<T>(fn: () => T | Promise<T>, { timeoutMs = 5000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
