import type { AdminClient } from './admin-client.js';
import type { CliOutput } from './cli-output.js';
import { formatTable, formatTimeInMs } from './format-table.js';

interface CommandContext {
  client: AdminClient;
  output: CliOutput;
  /** Print the API's JSON instead of text for people. */
  json?: boolean;
}

/** `warden kill <target>`: refuses every call charged to the target and ends its streams. */
export async function killCommand(options: CommandContext & { target: string; reason?: string }): Promise<void> {
  const { client, output, target, reason } = options;
  const killSwitch = await client.setKillSwitch({ target, ...(reason === undefined ? {} : { reason }) });
  if (options.json) {
    output.out(JSON.stringify(killSwitch, null, 2));
    return;
  }
  const because = killSwitch.reason ? ` (${killSwitch.reason})` : '';
  output.out(`Kill switch on for ${killSwitch.target}${because}. Calls charged to it are refused until \`warden unkill ${killSwitch.target}\`.`);
}

/** `warden unkill <target>`. */
export async function unkillCommand(options: CommandContext & { target: string }): Promise<void> {
  const { client, output, target } = options;
  const cleared = await client.clearKillSwitch(target);
  if (options.json) {
    output.out(JSON.stringify({ cleared }));
    return;
  }
  output.out(cleared ? `Kill switch cleared for ${target}; calls flow again.` : `No kill switch was on for ${target}; nothing changed.`);
}

/** `warden kills`: the kill switches that are on. */
export async function listKillsCommand(options: CommandContext): Promise<void> {
  const { client, output } = options;
  const killSwitches = await client.listKillSwitches();
  if (options.json) {
    output.out(JSON.stringify(killSwitches, null, 2));
    return;
  }
  if (killSwitches.length === 0) {
    output.out('No kill switches are on.');
    return;
  }
  const rows = killSwitches.map((killSwitch) => [killSwitch.target, killSwitch.reason, killSwitch.by, formatTimeInMs(killSwitch.atInMs)]);
  output.out(formatTable({ header: ['target', 'reason', 'by', 'since'], rows }));
}
