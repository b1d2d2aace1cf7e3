import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { makeMigration } from '../../src/migrate.js';

describe('migrate:make', () => {
  it('writes a timestamped migration with up and down, and never overwrites one', () => {
    const folder = mkdtempSync(join(tmpdir(), 'make-'));
    const at = new Date('2026-11-28T09:30:15Z');
    const file = makeMigration('add_tags', folder, at);
    expect(basename(file)).toBe('20261128093015_add_tags.ts');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/export async function up/);
    expect(text).toMatch(/export async function down/);
    // The contract marker is there as a comment, so a new migration is additive until it says so.
    expect(text).toContain(
      '// export const contract = true; // only when this migration removes what an earlier release stopped using',
    );
    expect(text).not.toMatch(/^export const contract/m);
    expect(() => makeMigration('add_tags', folder, at)).toThrow(/EEXIST/);
    expect(() => makeMigration('Add Tags', folder, at)).toThrow(/snake_case/);
  });
});
