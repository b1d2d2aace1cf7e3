import { isBuiltin } from 'node:module';

/**
 * A service name becomes an npm package name, an ECR repository, an Elastic Beanstalk application
 * and `<name>-<environment>` environment names (at most 40 characters), RDS/ElastiCache
 * identifiers (no double or trailing hyphens) and a database name (snake_case). Lowercase letters,
 * digits and single hyphens, starting with a letter, satisfies all of them.
 */
export const LONGEST_USUAL_ENVIRONMENT = 'production';
export const EB_ENVIRONMENT_NAME_MAX = 40;
export const MAX_SERVICE_NAME_LENGTH = EB_ENVIRONMENT_NAME_MAX - `-${LONGEST_USUAL_ENVIRONMENT}`.length; // 29

export const NAME_RULE =
  `A service name is 1-${MAX_SERVICE_NAME_LENGTH} lowercase letters, digits and single hyphens, ` +
  'starting with a letter, e.g. "billing-api".';

// Names that collide with the database engines' own databases.
const RESERVED = new Set(['postgres', 'mysql', 'template0', 'template1', 'rdsadmin']);

/** Why `name` is not a valid service name (with a suggestion when one is obvious), or undefined. */
export function serviceNameProblem(name: string): string | undefined {
  const problem = firstProblem(name);
  if (problem === undefined) return undefined;
  const suggestion = slugify(name);
  return suggestion !== name && firstProblem(suggestion) === undefined
    ? `${problem} (try "${suggestion}")`
    : problem;
}

function firstProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/[A-Z]/.test(name)) return 'use lowercase letters';
  if (/\s/.test(name)) return 'spaces are not allowed';
  if (name.includes('_')) return 'use hyphens, not underscores';
  const bad = /[^a-z0-9-]/.exec(name);
  if (bad) return `"${bad[0]}" is not allowed: use lowercase letters, digits and hyphens`;
  if (!/^[a-z]/.test(name)) return 'it must start with a letter';
  if (name.includes('--')) return 'use single hyphens only';
  if (name.endsWith('-')) return 'it must not end with a hyphen';
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    return (
      `it is ${name.length} characters long; the limit is ${MAX_SERVICE_NAME_LENGTH} ` +
      `so that "<name>-${LONGEST_USUAL_ENVIRONMENT}" fits the ${EB_ENVIRONMENT_NAME_MAX}-character ` +
      'Elastic Beanstalk environment name'
    );
  }
  if (isBuiltin(name)) return `"${name}" is a Node.js built-in module name, which npm does not allow`;
  if (RESERVED.has(name)) return `"${name}" is reserved by the database engines`;
  return undefined;
}

/** "My_Service 2" -> "my-service-2": the obvious fix for most bad names. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
}

/** Why `<service>-<environment>` is not a valid environment name, or undefined. */
export function environmentNameProblem(env: string, service?: string): string | undefined {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(env)) {
    return 'use lowercase letters, digits and single hyphens, starting with a letter';
  }
  if (service !== undefined && `${service}-${env}`.length > EB_ENVIRONMENT_NAME_MAX) {
    return (
      `"${service}-${env}" is longer than the ${EB_ENVIRONMENT_NAME_MAX} characters ` +
      'Elastic Beanstalk allows for an environment name'
    );
  }
  return undefined;
}
