import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isWardenError, WardenError } from '../core/warden-error.js';
import { createAdminClient, type AdminClient } from './admin-client.js';
import { checkConfigCommand } from './check-config-command.js';
import type { CliOutput } from './cli-output.js';
import { execCommand } from './exec-command.js';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from './key-commands.js';
import { decideApprovalCommand, listApprovalsCommand } from './approval-commands.js';
import { killCommand, listKillsCommand, unkillCommand } from './kill-commands.js';
import type { Environment } from './load-config-file.js';
import { migrateCommand } from './migrate-command.js';
import { addPlanCommand } from './add-plan-command.js';
import { addReplayCommand } from './add-replay-command.js';
import { addReportCommand } from './add-report-command.js';
import { openStoreApprovals, type ApprovalDesk } from './store-approvals.js';

/** What `warden serve` is handed; the real one lives in serve.ts. */
export type ServeFunction = (options: { configPath?: string; port?: number; host?: string; sqlitePath?: string }) => Promise<void>;

export interface RunCliOptions {
  /** The arguments after the program name, like process.argv.slice(2). */
  argv: readonly string[];
  env: Environment;
  output: CliOutput;
  serve: ServeFunction;
  fetch?: typeof globalThis.fetch;
}

const defaultUrl = 'http://127.0.0.1:4000';

/**
 * Runs one `warden` command line and returns the exit code; errors are printed, not thrown.
 * @example process.exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, output, serve });
 */
export async function runCli(options: RunCliOptions): Promise<number> {
  const { output } = options;
  try {
    await createProgram(options).parseAsync([...options.argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isWardenError(error)) {
      output.error(error.message);
      return 1;
    }
    throw error;
  }
}

function createProgram(options: RunCliOptions): Command {
  const { env, output } = options;
  const program = new Command('warden')
    .description('Warden: the cost and safety control plane for AI agents.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.error(text) })
    .option('--url <url>', `the running gateway, for keys, kill switches, approvals and reports (env WARDEN_URL, default ${defaultUrl})`)
    .option('--admin-key <key>', 'the gateway admin key (env WARDEN_ADMIN_KEY)');

  const client = (command: Command): AdminClient => {
    const globals = command.optsWithGlobals<{ url?: string; adminKey?: string }>();
    const adminKey = globals.adminKey ?? env['WARDEN_ADMIN_KEY'];
    if (!adminKey) {
      throw new WardenError('unauthorized', 'No admin key: set WARDEN_ADMIN_KEY or pass --admin-key <key> (the admin.key of the running gateway).');
    }
    const url = globals.url ?? env['WARDEN_URL'] ?? defaultUrl;
    return createAdminClient({ url, adminKey, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  };

  program
    .command('serve')
    .description('start the gateway')
    .option('--config <file>', 'YAML or JSON config file')
    .option('--port <n>', 'port to listen on (overrides server.port)', parsePort)
    .option('--host <h>', 'address to listen on (overrides server.host)')
    .option('--db <file>', 'the SQLite database file (overrides server.sqlitePath)')
    .action(async (flags: { config?: string; port?: number; host?: string; db?: string }) => {
      await options.serve({
        ...(flags.config === undefined ? {} : { configPath: flags.config }),
        ...(flags.db === undefined ? {} : { sqlitePath: flags.db }),
        ...(flags.port === undefined ? {} : { port: flags.port }),
        ...(flags.host === undefined ? {} : { host: flags.host }),
      });
    });

  program
    .command('config')
    .description('work with config files')
    .command('check')
    .description('validate a config file, filling ${NAME} from the environment')
    .argument('<file>', 'YAML or JSON config file')
    .action(async (path: string) => checkConfigCommand({ path, env, output }));

  program
    .command('migrate')
    .description('apply pending PostgreSQL migrations for storage.ledger')
    .option('--config <file>', 'YAML or JSON config file')
    .action(async (flags: { config?: string }) => migrateCommand({ ...(flags.config === undefined ? {} : { configPath: flags.config }), env, output }));

  program
    .command('exec')
    .description('run a command in a bubblewrap sandbox: no network, one writable workspace, limits')
    .usage('[--policy <file>] -- <command> [arguments...]')
    .option('--policy <file>', 'YAML or JSON sandbox policy (default: the current directory as workspace, default limits)')
    .argument('<command...>', 'the command and its arguments, after --')
    .action(async (command: string[], flags: { policy?: string }) => {
      const exitCode = await execCommand({ command, ...(flags.policy === undefined ? {} : { policyPath: flags.policy }), env, output });
      // runCli returns a CommanderError's exit code, so the command's own code becomes warden's.
      if (exitCode !== 0) throw new CommanderError(exitCode, 'warden.exec', `the command exited with ${exitCode}`);
    });

  addPlanCommand({ program, env, output });
  addReplayCommand({ program, env, output });
  addReportCommand({ program, env, output, client });
  addAdminCommands({ program, output, env, client });
  return program;
}

/** Where `warden approvals` finds the store when it does not ask a gateway. */
interface StoreFlags {
  db?: string;
  config?: string;
}

/** The commands that talk to a running gateway's admin API (approvals also to a store directly). */
function addAdminCommands(options: { program: Command; output: CliOutput; env: Environment; client: (command: Command) => AdminClient }): void {
  const { program, output, env, client } = options;
  const keys = program.command('keys').description('manage virtual keys on a running gateway');
  keys
    .command('create')
    .description('create a virtual key; its plaintext is printed once')
    .option('--name <name>', 'who or what uses the key')
    .option('--team <team>', 'team the key is charged to')
    .option('--budget <spec>', 'hard budget like 25/day or $0.50/hour (repeatable); "25/day shadow" only records what it would refuse', collect)
    .option('--models <list>', 'comma-separated models or tiers the key may call (default: all)', splitList)
    .option('--cache', 'opt the key into the response cache')
    .option('--json', 'print JSON')
    .action(async (flags: { name?: string; team?: string; budget?: string[]; models?: string[]; cache?: boolean; json?: boolean }, command: Command) => {
      const input = {
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.team === undefined ? {} : { team: flags.team }),
        ...(flags.models === undefined ? {} : { models: flags.models }),
        ...(flags.budget === undefined ? {} : { budgets: flags.budget }),
        ...(flags.cache ? { cache: true } : {}),
      };
      await createKeyCommand({ client: client(command), output, input, json: flags.json === true });
    });
  keys
    .command('list')
    .description('list virtual keys')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => listKeysCommand({ client: client(command), output, json: flags.json === true }));
  keys
    .command('revoke')
    .description('revoke a virtual key at once')
    .argument('<id>', 'key id, like key_3f9a…')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) =>
      revokeKeyCommand({ client: client(command), output, id, json: flags.json === true }));

  program
    .command('kill')
    .description('refuse every call charged to a target and end its streams')
    .argument('<target>', 'global, team:<name>, key:<id>, task:<id>, model:<name>, user:<id> or provider:<name>')
    .option('--reason <text>', 'why, shown to operators and in refusals')
    .option('--json', 'print JSON')
    .action(async (target: string, flags: { reason?: string; json?: boolean }, command: Command) =>
      killCommand({ client: client(command), output, target, ...(flags.reason === undefined ? {} : { reason: flags.reason }), json: flags.json === true }));
  program
    .command('unkill')
    .description('clear a kill switch')
    .argument('<target>', 'the target given to `warden kill`')
    .option('--json', 'print JSON')
    .action(async (target: string, flags: { json?: boolean }, command: Command) =>
      unkillCommand({ client: client(command), output, target, json: flags.json === true }));
  const approvals = program
    .command('approvals')
    .description("tool calls and held tasks waiting for a person's approval: on a running gateway (--url), or in a store directly (--db, --config)")
    .addHelpText(
      'after',
      `
Without --db or --config the commands ask a running gateway's admin API (--url, --admin-key).
With --db <file> they open the SQLite file an SDK agent's store uses; with --config <file> the
store that config names (its SQLite file, or Redis and PostgreSQL), so approvals asked by SDK agents,
or by gateway replicas sharing Redis, can be decided without a gateway in between.`,
    );
  const withDesk = async (flags: StoreFlags, command: Command, work: (approvalDesk: ApprovalDesk) => Promise<void>): Promise<void> => {
    if (flags.db === undefined && flags.config === undefined) return work(client(command));
    const opened = await openStoreApprovals({ ...(flags.config === undefined ? {} : { configPath: flags.config }), ...(flags.db === undefined ? {} : { sqlitePath: flags.db }), env });
    try {
      await work(opened);
    } finally {
      await opened.close();
    }
  };
  approvals
    .command('list')
    .description('list approvals asked for, oldest first, with the last day\'s decisions')
    .option('--db <file>', "the SQLite file of an SDK agent's store, instead of a gateway")
    .option('--config <file>', 'open the store this config names, instead of a gateway')
    .option('--json', 'print JSON')
    .action(async (flags: StoreFlags & { json?: boolean }, command: Command) =>
      withDesk(flags, command, (approvalDesk) => listApprovalsCommand({ client: approvalDesk, output, json: flags.json === true })));
  for (const [name, approve] of [['approve', true], ['deny', false]] as const) {
    approvals
      .command(name)
      .description(approve ? 'let the held tool call (or task) through, once' : 'refuse the held tool call (or task)')
      .argument('<id>', 'approval id, like apr_3f9a…')
      .option('--reason <text>', 'why, kept in the ledger')
      .option('--db <file>', "the SQLite file of an SDK agent's store, instead of a gateway")
      .option('--config <file>', 'open the store this config names, instead of a gateway')
      .option('--json', 'print JSON')
      .action(async (id: string, flags: StoreFlags & { reason?: string; json?: boolean }, command: Command) =>
        withDesk(flags, command, (approvalDesk) =>
          decideApprovalCommand({ client: approvalDesk, output, id, approve, ...(flags.reason === undefined ? {} : { reason: flags.reason }), json: flags.json === true }),
        ));
  }
  program
    .command('kills')
    .description('list the kill switches that are on')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => listKillsCommand({ client: client(command), output, json: flags.json === true }));
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65_535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return port;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
