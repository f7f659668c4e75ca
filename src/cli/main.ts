#!/usr/bin/env node
import { createProcessOutput } from './cli-output.js';
import { runCli } from './run-cli.js';
import { serve } from './serve.js';

process.exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, output: createProcessOutput(), serve });
