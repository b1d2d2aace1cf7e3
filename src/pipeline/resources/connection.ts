// The source connection (AWS CodeConnections, formerly CodeStar Connections) to GitHub, GitLab or
// Bitbucket. AWS creates it PENDING: someone must authorise it once in the console (an OAuth
// handshake with the provider that no API can do), so lsvc says where and how.
import {
  CreateConnectionCommand,
  GetConnectionCommand,
  ListConnectionsCommand,
} from '@aws-sdk/client-codestar-connections';

import { ConfigError } from '../../errors.js';
import { send, sendOrMissing } from '../../aws/call.js';
import type { PipelineContext, PipelineResource } from '../types.js';

const PREFIX = 'codestar-connections';

export function connectionsConsoleUrl(region: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/settings/connections?region=${region}`;
}

export function handshakeNote(ctx: PipelineContext, name: string, status: string | undefined): string {
  const provider = ctx.settings.sourceProvider;
  return [
    `The ${provider} connection "${name}" is ${status ?? 'PENDING'}: complete the handshake once.`,
    `  Open ${connectionsConsoleUrl(ctx.region)}, choose "${name}", then "Update pending connection"`,
    `  and authorise AWS for ${ctx.settings.repository} on ${provider}.`,
    '  Until then the pipeline cannot fetch the source; after it, push a commit (or release a change in the console).',
  ].join('\n');
}

export function sourceConnection(ctx: PipelineContext): PipelineResource {
  const client = ctx.clients.connections;
  const configured = ctx.settings.connectionArn;
  const name = configured ?? ctx.names.connection;
  return {
    kind: 'connection',
    name,
    async inspect() {
      if (configured) {
        const found = await sendOrMissing(
          PREFIX,
          client,
          new GetConnectionCommand({ ConnectionArn: configured }),
          ['ResourceNotFoundException'],
        );
        if (!found?.Connection) {
          throw new ConfigError(
            `The connection in lsvc.yml (pipeline.connectionArn) does not exist: ${configured}`,
            {
              hint: `Check the ARN at ${connectionsConsoleUrl(ctx.region)} (it must be in ${ctx.region}), or remove connectionArn and lsvc creates one.`,
            },
          );
        }
        ctx.known.connectionArn = configured;
        ctx.known.connectionStatus = found.Connection.ConnectionStatus;
        if (found.Connection.ConnectionStatus !== 'AVAILABLE') {
          ctx.notes.push(
            handshakeNote(
              ctx,
              found.Connection.ConnectionName ?? configured,
              found.Connection.ConnectionStatus,
            ),
          );
        }
        return { action: 'unchanged', details: [] };
      }
      const existing = await findConnection(ctx, name);
      if (existing) {
        ctx.known.connectionArn = existing.arn;
        ctx.known.connectionStatus = existing.status;
        if (existing.status !== 'AVAILABLE') ctx.notes.push(handshakeNote(ctx, name, existing.status));
        return { action: 'unchanged', details: [] };
      }
      return {
        action: 'create',
        details: [`${ctx.settings.sourceProvider} connection (you authorise it once in the console)`],
        apply: async () => {
          const created = await send(
            PREFIX,
            client,
            new CreateConnectionCommand({
              ConnectionName: name,
              ProviderType: ctx.settings.sourceProvider,
              Tags: [
                { Key: 'lsvc:service', Value: ctx.service },
                { Key: 'managed-by', Value: 'lsvc' },
              ],
            }),
          );
          ctx.known.connectionArn = created.ConnectionArn;
          ctx.known.connectionStatus = 'PENDING';
          ctx.notes.push(handshakeNote(ctx, name, 'PENDING'));
        },
      };
    },
  };
}

async function findConnection(
  ctx: PipelineContext,
  name: string,
): Promise<{ arn: string; status: string | undefined } | undefined> {
  let token: string | undefined;
  do {
    const page = await send(
      PREFIX,
      ctx.clients.connections,
      new ListConnectionsCommand({
        ProviderTypeFilter: ctx.settings.sourceProvider,
        NextToken: token,
      }),
    );
    const hit = page.Connections?.find((c) => c.ConnectionName === name);
    if (hit?.ConnectionArn) return { arn: hit.ConnectionArn, status: hit.ConnectionStatus };
    token = page.NextToken;
  } while (token);
  return undefined;
}
