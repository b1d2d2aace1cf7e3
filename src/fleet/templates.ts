// Template drift across the fleet: each service's recorded template version against what its
// template source holds now. Each source (builtin, a team's template folder) is read once, however
// many services were made from it.
import { LsvcError } from '../errors.js';
import { readTemplateRecord } from '../template/record.js';
import { openTemplate, sourceFolder, type SourceOptions, type TemplateVersion } from '../upgrade/source.js';
import { checkOf } from '../upgrade/upgrade.js';

export interface TemplateDrift {
  version: string;
  /** The version the source holds now; null when the source could not be read. */
  latest: string | null;
  /** The source has changes the service lacks (compared by content hash, as lsvc upgrade does). */
  upgradeAvailable: boolean;
  source: string;
  /** Why `latest` is unknown (source folder gone, invalid manifest). */
  error: string | null;
}

export type TemplateReader = (serviceDir: string) => Promise<TemplateDrift | null>;

/** A reader with its own cache of sources; null for a service without .lsvc/template.json. */
export function templateReader(o: SourceOptions): TemplateReader {
  // The built-in template is read once; a folder once per service, because whether it may serve
  // depends on the service (a template inside the service is refused, as lsvc upgrade refuses it).
  const sources = new Map<string, Promise<TemplateVersion>>();
  const load = (source: string, serviceDir: string) => {
    const folder = sourceFolder(source, serviceDir, o);
    const key = source === 'builtin' ? 'builtin' : `${folder}\0${serviceDir}`;
    let t = sources.get(key);
    if (!t) {
      // Refused (not an lsvc template, inside the service...) as lsvc upgrade refuses it.
      t = openTemplate(folder, source, { ...o, serviceDir, label: `The template folder ${folder}` });
      sources.set(key, t);
    }
    return t;
  };
  return async (dir) => {
    const record = await readTemplateRecord(dir).catch(() => null);
    if (!record) return null;
    const { version, source } = record.template;
    try {
      const check = checkOf(record, await load(source, dir));
      return { version, latest: check.latest, upgradeAvailable: !check.upToDate, source, error: null };
    } catch (error) {
      const message = error instanceof LsvcError ? error.message : String(error);
      return { version, latest: null, upgradeAvailable: false, source, error: message };
    }
  };
}
