// Elastic Beanstalk application: one per service; its version lifecycle keeps the newest versions
// and deletes older ones with their source bundles.
import {
  CreateApplicationCommand,
  DescribeApplicationsCommand,
  UpdateApplicationResourceLifecycleCommand,
  type ApplicationResourceLifecycleConfig,
} from '@aws-sdk/client-elastic-beanstalk';

import { send } from '../../aws/call.js';
import { change } from '../diff.js';
import { serviceTags } from '../tags.js';
import type { ProvisionContext, Resource } from '../types.js';

export const KEEP_VERSIONS = 200;

export function versionLifecycle(serviceRoleArn: string): ApplicationResourceLifecycleConfig {
  return {
    ServiceRole: serviceRoleArn,
    VersionLifecycleConfig: {
      MaxCountRule: { Enabled: true, MaxCount: KEEP_VERSIONS, DeleteSourceFromS3: true },
      MaxAgeRule: { Enabled: false },
    },
  };
}

const roleName = (arn: string | undefined) => arn?.split('/').pop();

export function ebApplication(ctx: ProvisionContext): Resource {
  const name = ctx.names.application;
  const eb = ctx.clients.eb;
  return {
    kind: 'eb-application',
    name,
    async inspect() {
      const out = await send(
        'elasticbeanstalk',
        eb,
        new DescribeApplicationsCommand({ ApplicationNames: [name] }),
      );
      const app = out.Applications?.find((a) => a.ApplicationName === name);
      const lifecycle = () => versionLifecycle(ctx.known.serviceRoleArn ?? '');
      if (!app) {
        return {
          action: 'create',
          details: [
            `version lifecycle: keep the last ${KEEP_VERSIONS} versions, delete their bundles from S3`,
          ],
          apply: async () => {
            await send(
              'elasticbeanstalk',
              eb,
              new CreateApplicationCommand({
                ApplicationName: name,
                Description: `${ctx.service} (managed by lsvc)`,
                ResourceLifecycleConfig: lifecycle(),
                Tags: serviceTags(ctx),
              }),
            );
          },
        };
      }
      const actual = app.ResourceLifecycleConfig;
      const rule = actual?.VersionLifecycleConfig?.MaxCountRule;
      const details: string[] = [];
      if (rule?.Enabled !== true || rule.MaxCount !== KEEP_VERSIONS || rule.DeleteSourceFromS3 !== true) {
        details.push(
          change(
            'version lifecycle',
            rule?.Enabled
              ? `keep ${rule.MaxCount ?? '?'}${rule.DeleteSourceFromS3 ? ', delete bundles' : ''}`
              : 'off',
            `keep ${KEEP_VERSIONS}, delete bundles`,
          ),
        );
      }
      if (roleName(actual?.ServiceRole) !== roleName(ctx.known.serviceRoleArn)) {
        details.push(
          change('lifecycle role', roleName(actual?.ServiceRole), roleName(ctx.known.serviceRoleArn)),
        );
      }
      if (!details.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details,
        apply: async () => {
          await send(
            'elasticbeanstalk',
            eb,
            new UpdateApplicationResourceLifecycleCommand({
              ApplicationName: name,
              ResourceLifecycleConfig: lifecycle(),
            }),
          );
        },
      };
    },
  };
}
