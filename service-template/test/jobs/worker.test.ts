// The worker against real Redis and a real database: processing, retries with back-off,
// permanent failures, the dead-letter queue, idempotency.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job, Worker } from 'bullmq';
import { createNotesWorker } from '../../src/jobs/worker.js';
import { enqueueNoteProcessing, noteJobId, type ProcessNoteJob } from '../../src/jobs/queues.js';
import type { ProcessNoteResult } from '../../src/jobs/process-note.js';
import { createServices, type Services } from '../../src/services.js';
import { call, silentLog, startTestApp, type TestApp } from '../support/harness.js';
import { bearer, token } from '../support/tokens.js';
import { Webhook } from '../support/webhook.js';

let t: TestApp;
let webhook: Webhook;
let workerServices: Services;
let worker: Worker<ProcessNoteJob, ProcessNoteResult>;
let editor: Record<string, string>;

beforeAll(async () => {
  webhook = await new Webhook().start();
  t = await startTestApp({ env: { WEBHOOK_URL: webhook.url, JOB_BACKOFF_MS: '200', JOB_ATTEMPTS: '3' } });
  workerServices = createServices(t.config, silentLog, 'worker');
  worker = createNotesWorker({
    config: t.config,
    connection: workerServices.redis,
    db: workerServices.db,
    log: silentLog,
    deadLetter: workerServices.deadLetterQueue,
    visibilityWindowMs: 1000,
  });
  await worker.waitUntilReady();
  editor = bearer(await token(['editor']));
});
afterAll(async () => {
  await worker.close();
  await workerServices.close();
  await t.close();
  await webhook.close();
});
afterEach(() => webhook.script([]));

async function createNote(title = 'A note', body = 'one two three') {
  const reply = await call(t.url, 'POST', '/v1/notes', { headers: editor, json: { title, body } });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; version: number };
}

async function settled(jobId: string, timeoutMs = 10_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await t.services.notesQueue.getJob(jobId);
    const state = await job?.getState();
    // read the job again: the copy fetched before the state check may predate its result
    if (job && (state === 'completed' || state === 'failed')) return (await t.services.notesQueue.getJob(jobId))!;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the notes worker', () => {
  it('processes a note created through the API and notifies the webhook once', async () => {
    const note = await createNote('Hello there', 'general kenobi');
    const job = await settled(noteJobId(note.id, 1));
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toEqual({ outcome: 'processed', wordCount: 4 });
    const reply = await call(t.url, 'GET', `/v1/notes/${note.id}`, { headers: editor });
    expect(reply.body.wordCount).toBe(4);
    expect(reply.body.processedAt).not.toBeNull();
    const calls = webhook.calls.filter((hook) => hook.body.noteId === note.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ event: 'note.processed', noteId: note.id, version: 1, wordCount: 4 });
    expect(calls[0]!.headers['idempotency-key']).toBe(noteJobId(note.id, 1));
  });

  it('retries a failing job with exponential back-off and jitter, then succeeds', async () => {
    webhook.script([{ status: 503 }, { status: 500 }]);
    const note = await createNote();
    const job = await settled(noteJobId(note.id, 1));
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 200, jitter: 0.5 });
    const times = webhook.calls.map((hook) => hook.at);
    expect(times).toHaveLength(3);
    const gaps = [times[1]! - times[0]!, times[2]! - times[1]!];
    // first retry after 100-200 ms, second after 200-400 ms (+ scheduling)
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(180);
    expect(gaps[0]).toBeLessThan(1500);
  });

  it('fails a job at once on a permanent error, keeps it visible and dead-letters it', async () => {
    webhook.script([{ status: 422 }]);
    const note = await createNote();
    const jobId = noteJobId(note.id, 1);
    const job = await settled(jobId);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('webhook answered 422');
    expect((await t.services.notesQueue.getFailed()).map((failed) => failed.id)).toContain(jobId);
    const dead = await waitForDeadLetter(`notes-${jobId}`);
    expect(dead.data).toMatchObject({
      queue: 'notes',
      jobId,
      failedReason: 'webhook answered 422',
      attemptsMade: 1,
      data: { noteId: note.id, version: 1 },
    });
  });

  it('dead-letters a job that used up its attempts', async () => {
    webhook.script([], { status: 500 });
    const note = await createNote();
    const jobId = noteJobId(note.id, 1);
    const job = await settled(jobId);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect((await waitForDeadLetter(`notes-${jobId}`)).data.attemptsMade).toBe(3);
  });

  it('waits for a note that is not visible yet without spending attempts, then gives up as unrecoverable', async () => {
    const ghost = '019ac9a0-8a4e-7c43-9a57-4f1f2b8c1a00';
    const started = Date.now();
    await enqueueNoteProcessing(t.services.notesQueue, { id: ghost, version: 1 });
    const job = await settled(noteJobId(ghost, 1));
    expect(await job.getState()).toBe('failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/no longer exists/);
  });

  it('picks up a note whose transaction commits after the job started', async () => {
    const { insertNote } = await import('../../src/notes/repository.js');
    const { sleep } = await import('../../src/time.js');
    let id = '';
    await t.database.db.transaction().execute(async (trx) => {
      const row = await insertNote(trx, {
        ownerId: 'x',
        title: 'late',
        body: 'commit comes late',
        status: 'draft',
        slug: null,
      });
      id = row.id;
      await enqueueNoteProcessing(t.services.notesQueue, row);
      await sleep(500);
    });
    const job = await settled(noteJobId(id, 1));
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.returnvalue).toEqual({ outcome: 'processed', wordCount: 4 });
  });

  it('is idempotent: the same change enqueued twice is one job; an older version is skipped', async () => {
    const note = await createNote();
    await enqueueNoteProcessing(t.services.notesQueue, { id: note.id, version: 1 });
    await settled(noteJobId(note.id, 1));
    expect(webhook.calls.filter((hook) => hook.body.noteId === note.id)).toHaveLength(1);

    const patched = await call(t.url, 'PATCH', `/v1/notes/${note.id}`, {
      headers: { ...editor, 'if-match': '"1"' },
      json: { body: 'x' },
    });
    expect(patched.status).toBe(200);
    await settled(noteJobId(note.id, 2));
    // replaying v1 now must not overwrite the v2 result
    await t.services.notesQueue.add('process-note', { noteId: note.id, version: 1 }, { jobId: 'replay-v1' });
    const replay = await settled('replay-v1');
    expect(replay.returnvalue).toEqual({ outcome: 'superseded' });
    expect((await call(t.url, 'GET', `/v1/notes/${note.id}`, { headers: editor })).body.wordCount).toBe(3);
  });
});

async function waitForDeadLetter(jobId: string) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const job = await t.services.deadLetterQueue.getJob(jobId);
    if (job) return job;
    if (Date.now() > deadline) throw new Error(`no dead-letter entry ${jobId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
