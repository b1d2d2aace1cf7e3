// The Elastic Beanstalk source bundle of one release: one piece of code for `lsvc deploy`,
// `lsvc bundle` and the pipeline (buildspec), so every path deploys the same bytes.
import { createHash } from 'node:crypto';

import { type BundleInput, composeFile } from './compose.js';
import { deterministicZip } from './zip.js';

export { type BundleInput, checkBundleInput, composeFile } from './compose.js';

export interface Bundle {
  zip: Buffer;
  /** Hex SHA-256 of the zip: how an upload or an application version is recognised as the same. */
  sha256: string;
  files: string[];
}

export async function buildBundle(input: BundleInput): Promise<Bundle> {
  const entries = [{ path: 'docker-compose.yml', content: composeFile(input) }];
  const zip = await deterministicZip(entries);
  return {
    zip,
    sha256: createHash('sha256').update(zip).digest('hex'),
    files: entries.map((e) => e.path),
  };
}
