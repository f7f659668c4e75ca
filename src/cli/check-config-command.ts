import type { CliOutput } from './cli-output.js';
import { loadConfigFile, type Environment } from './load-config-file.js';

/** `warden config check <file>`: loads the file as `serve` would and says what it found. */
export async function checkConfigCommand(options: { path: string; env: Environment; output: CliOutput }): Promise<void> {
  const config = await loadConfigFile(options.path, options.env);
  const budgets = config.budgets.length;
  const providers = Object.keys(config.providers).length;
  options.output.out(`OK: ${options.path} is valid (${plural(budgets, 'budget')}, ${plural(providers, 'provider')})`);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
