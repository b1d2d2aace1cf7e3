// The notes job: derive data from a note (a word count here: stands for any slow or external
// work) and notify a webhook. Safe to run twice for the same job: the result is keyed by version.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { findNote, recordProcessing } from '../notes/repository.js';
import type { ProcessNoteJob } from './queues.js';
import { postWebhook } from './webhook.js';

export interface ProcessNoteResult {
  outcome: 'processed' | 'superseded';
  wordCount?: number;
}

export const countWords = (text: string) => text.split(/\s+/u).filter(Boolean).length;

// How long a job waits for the write that enqueued it to become visible.
export const VISIBILITY_WINDOW_MS = 10_000;
const VISIBILITY_RECHECK_MS = 200;

export interface NoteProcessorDeps {
  db: Kysely<Database>;
  config: Config['jobs'];
  log: Logger;
  visibilityWindowMs?: number;
}

export function createNoteProcessor(deps: NoteProcessorDeps) {
  const window = deps.visibilityWindowMs ?? VISIBILITY_WINDOW_MS;
  return async function processNote(job: Job<ProcessNoteJob>, token?: string): Promise<ProcessNoteResult> {
    const { noteId, version } = job.data;
    const note = await findNote(deps.db, noteId);
    if (!note || note.version < version) {
      // The API enqueues inside its transaction, so the job can start before the commit shows.
      // Look again shortly, without spending an attempt; past the window the write never
      // happened (rolled back) or the note was deleted since: nothing to retry.
      if (Date.now() - job.timestamp < window) {
        await job.moveToDelayed(Date.now() + VISIBILITY_RECHECK_MS, token);
        throw new DelayedError();
      }
      throw new UnrecoverableError(`note ${noteId} v${version} no longer exists`);
    }
    if (note.version > version) return { outcome: 'superseded' };

    const wordCount = countWords(`${note.title} ${note.body}`);
    await recordProcessing(deps.db, noteId, version, wordCount);
    if (deps.config.webhookUrl) {
      await postWebhook(
        deps.config.webhookUrl,
        { event: 'note.processed', noteId, version, wordCount },
        { idempotencyKey: job.id ?? `${noteId}-${version}`, timeoutMs: deps.config.webhookTimeoutMs },
      );
    }
    deps.log.debug({ jobId: job.id, noteId, version, wordCount }, 'note processed');
    return { outcome: 'processed', wordCount };
  };
}
