#!/usr/bin/env node
import { createProcessOutput } from './cli-output.js';
import { runCli } from './run-cli.js';

// The gateway and all it loads start only for `warden serve`: every other command starts faster.
const serve: Parameters<typeof runCli>[0]['serve'] = async (options) => (await import('./serve.js')).serve(options);

process.exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, output: createProcessOutput(), serve });
