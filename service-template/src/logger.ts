// pino writes one JSON object per line: what CloudWatch Logs and `lsvc logs` read.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

export type { Logger };

// Anything that can carry a credential is replaced before it reaches a log line.
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  'password',
  'secret',
  'token',
  'apiKey',
];

export function createLogger(
  config: Pick<Config, 'logLevel' | 'service' | 'env'>,
  process = 'web',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: config.service.name, version: config.service.version, process },
    redact: { paths: redact, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
