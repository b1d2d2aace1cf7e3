/** Which AWS profile and region a command uses, and where each came from (for messages). */
export interface AwsTarget {
  profile: string | undefined;
  profileSource: string | undefined;
  region: string | undefined;
  regionSource: string | undefined;
}

export interface AwsTargetInputs {
  flags: { profile?: string | undefined; region?: string | undefined };
  env: NodeJS.ProcessEnv;
  /** From lsvc.yml: the environment's values, else the top-level ones. */
  config?: { profile?: string | undefined; region?: string | undefined } | undefined;
}

/**
 * Precedence: --profile/--region, then AWS_PROFILE / AWS_REGION (AWS_DEFAULT_REGION), then lsvc.yml.
 * When nothing is set the SDK still looks in ~/.aws/config for the profile's region.
 */
export function resolveAwsTarget({ flags, env, config }: AwsTargetInputs): AwsTarget {
  const pick = (candidates: [string | undefined, string][]) => {
    const found = candidates.find(([value]) => value !== undefined && value !== '');
    return found ? { value: found[0], source: found[1] } : { value: undefined, source: undefined };
  };
  const profile = pick([
    [flags.profile, '--profile'],
    [env.AWS_PROFILE, 'AWS_PROFILE'],
    [config?.profile, 'lsvc.yml'],
  ]);
  const region = pick([
    [flags.region, '--region'],
    [env.AWS_REGION, 'AWS_REGION'],
    [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'],
    [config?.region, 'lsvc.yml'],
  ]);
  return {
    profile: profile.value,
    profileSource: profile.source,
    region: region.value,
    regionSource: region.source,
  };
}
