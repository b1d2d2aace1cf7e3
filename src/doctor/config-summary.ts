import { findConfigFile, readConfigFile } from '../config/load.js';

export interface ConfigSummary {
  file: string;
  service: string;
  environments: string[];
  region: string | undefined;
  profile: string | undefined;
}

export type Loaded<T> = { ok: true; value: T | undefined } | { ok: false; error: unknown };

/** lsvc.yml when inside a service (value undefined when not), or the error that loading it raised. */
export async function loadConfigSummary(cwd: string): Promise<Loaded<ConfigSummary>> {
  try {
    const file = await findConfigFile(cwd);
    if (!file) return { ok: true, value: undefined };
    const cfg = await readConfigFile(file, cwd);
    return {
      ok: true,
      value: {
        file,
        service: cfg.service,
        environments: Object.keys(cfg.environments),
        region: cfg.region,
        profile: cfg.profile,
      },
    };
  } catch (error) {
    return { ok: false, error };
  }
}
