#!/usr/bin/env node
// The `orders` command: runs the TypeScript CLI through tsx so that no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
