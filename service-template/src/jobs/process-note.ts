// The notes job: derive data from a note (a word count here: stands for any slow or external
// work) and notify a webhook. Safe to run twice for the same job: the result is keyed by version.
import { UnrecoverableError, type Job } from 'bullmq';
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

export function createNoteProcessor(deps: { db: Kysely<Database>; config: Config['jobs']; log: Logger }) {
  return async function processNote(job: Job<ProcessNoteJob>): Promise<ProcessNoteResult> {
    const { noteId, version } = job.data;
    const note = await findNote(deps.db, noteId);
    if (!note || note.version < version) {
      // The API enqueues inside its transaction, so on a first attempt the commit may simply not
      // be visible yet. After one back-off the note is gone for good: don't retry any longer.
      if (job.attemptsMade === 0) throw new Error(`note ${noteId} v${version} not visible yet`);
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
