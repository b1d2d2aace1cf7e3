#!/usr/bin/env node
// Development entry point: runs commands/ and src/ from TypeScript through tsx (no build needed).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
