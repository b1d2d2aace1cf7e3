// Tells an external system that a note was processed: the typical job that talks to something
// flaky. Which failures are worth retrying is decided here, by status code.
import { UnrecoverableError } from 'bullmq';

const retryable = new Set([408, 425, 429, 500, 502, 503, 504]);

export async function postWebhook(
  url: string,
  payload: unknown,
  options: { idempotencyKey: string; timeoutMs: number },
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': options.idempotencyKey },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    // Network errors and timeouts: the receiver may be back soon, so let BullMQ retry.
    throw new Error(`webhook unreachable: ${(error as Error).message}`, { cause: error });
  }
  await response.body?.cancel();
  if (response.ok) return;
  const message = `webhook answered ${response.status}`;
  if (retryable.has(response.status)) throw new Error(message);
  // Any other 4xx will not change by asking again: fail the job now, keep it for a human.
  throw new UnrecoverableError(message);
}
