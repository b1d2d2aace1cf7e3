// Table types for Kysely. Keep them in step with migrations/: they are what queries type-check against.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

export interface NotesTable {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  status: 'draft' | 'published' | 'archived';
  slug: string | null;
  word_count: number | null;
  processed_at: Timestamp | null;
  processed_version: number | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  secret_hash: string;
  roles: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface Database {
  notes: NotesTable;
  api_keys: ApiKeysTable;
}

export type NoteRow = Selectable<NotesTable>;
export type NewNoteRow = Insertable<NotesTable>;
export type NoteUpdate = Updateable<NotesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

// Re-exported so migrations can say `Generated` without another import line.
export type { Generated };
