// A webhook receiver the tests script: each call takes the next planned answer (status, delay).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface WebhookCall {
  at: number;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface Answer {
  status?: number;
  delayMs?: number;
}

export class Webhook {
  calls: WebhookCall[] = [];
  private plan: Answer[] = [];
  private fallback: Answer = { status: 200 };
  private server?: Server;
  private waiters: Array<() => void> = [];
  url = '';

  /** Answers for the next calls, in order; afterwards `otherwise` (default 200). */
  script(answers: Answer[], otherwise: Answer = { status: 200 }) {
    this.plan = [...answers];
    this.fallback = otherwise;
    this.calls = [];
  }

  async start() {
    this.server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        this.calls.push({ at: Date.now(), headers: request.headers, body: JSON.parse(text || 'null') });
        for (const wake of this.waiters.splice(0)) wake();
        const answer = this.plan.shift() ?? this.fallback;
        setTimeout(() => response.writeHead(answer.status ?? 200).end(), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}/hook`;
    return this;
  }

  /** Resolves once `count` calls have arrived. */
  async waitForCalls(count: number, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} webhook calls, got ${this.calls.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async close() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
