// `lighthouse run`: a local bridge on the embedded store, with a generated
// master key, printing a credential, a hook token and how to point Claude Code at it.
import { issueCredential, issueHookToken } from '../auth/credentials.js';
import { writeClientConfig } from '../hook/client-config.js';
import path from 'node:path';
import { commandArgs } from './args.js';
import { loadOrCreateLocalKey } from './local-key.js';

export const LOCAL_AGENT = 'claude';

const usage = `usage: lighthouse run [--fuse <dir>]

Starts a bridge on this machine in the foreground: the embedded store in
LIGHTHOUSE_DATA_DIR (default ./.lighthouse/data), a master key generated once
beside it (./.lighthouse/master.key, mode 0600) unless LIGHTHOUSE_MASTER_KEY(_FILE)
is set, port 8765 on 127.0.0.1 (PORT, HOST). Prints a credential and a hook token for
the agent "claude", writes the CLI config (~/.config/lighthouse/config.json) that
\`lighthouse hook\` and the other commands read, and the Claude Code settings to use it.

  --fuse <dir>   also mount the project read-only at <dir> (lighthouse fuse --help)
`;

export async function runLocal(argv: string[] = []): Promise<void> {
  const parsed = commandArgs('run', {
    args: argv,
    options: { fuse: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (!parsed) {
    process.exitCode = 2;
    return;
  }
  if (parsed.values.help) {
    process.stdout.write(usage);
    return;
  }
  const fuseDir = parsed.values.fuse;
  // A bridge on a developer's machine is for that machine: loopback unless HOST says otherwise.
  process.env.HOST ||= '127.0.0.1';
  // Loaded once the arguments are checked: `run --help` need not load the server.
  const [{ main }, { startFuseBeside }] = await Promise.all([import('../main.js'), import('./fuse.js')]);
  let keyFile = '';
  await main({
    localKey: (config) => {
      const k = loadOrCreateLocalKey(config.dataDir);
      keyFile = k.file;
      return k.key;
    },
    onListening: (url, config, master) => {
      if (fuseDir) {
        const stateDir = path.dirname(path.resolve(config.dataDir));
        startFuseBeside({ mountDir: path.resolve(fuseDir), url, masterKey: master, stateDir });
      }
      const credential = issueCredential(master, LOCAL_AGENT);
      const hookToken = issueHookToken(master, LOCAL_AGENT);
      const hookUrl = `${url.replace('0.0.0.0', '127.0.0.1')}/v1/hooks/claude-code`;
      // The CLI config (bridge URL + a 0600 credential file) that `lighthouse hook` and friends read.
      const cli = writeClientConfig(url.replace('0.0.0.0', '127.0.0.1'), credential);
      const httpHook = (timeout: number) => ({
        matcher: '*',
        hooks: [
          {
            type: 'http',
            url: hookUrl,
            timeout,
            headers: { Authorization: 'Bearer $LIGHTHOUSE_HOOK_TOKEN' },
            allowedEnvVars: ['LIGHTHOUSE_HOOK_TOKEN'],
          },
        ],
      });
      const settings = {
        hooks: {
          // Longer than the escalation wait, so an expert's answer arrives in time.
          PreToolUse: [httpHook(Math.ceil(config.escalationTimeoutMs / 1000) + 15)],
          // Records each completed call (ToolCallCompleted); file contents need the command hook.
          PostToolUse: [httpHook(10)],
        },
      };
      process.stderr.write(
        [
          '',
          `Lighthouse bridge running at ${url}`,
          `  store: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`}`,
          keyFile ? `  master key: ${keyFile} (mode 0600)` : '  master key: from the environment',
          '',
          `Agent credential for "${LOCAL_AGENT}":`,
          `  export LIGHTHOUSE_CREDENTIAL=${credential}`,
          `Hook token for "${LOCAL_AGENT}" (what the http hooks below send, accepted only there; export it where Claude Code runs):`,
          `  export LIGHTHOUSE_HOOK_TOKEN=${hookToken}`,
          '',
          `CLI config for \`lighthouse hook|elicit|status\`: credential in ${cli.credentialFile} (mode 0600)`,
          '',
          'Point Claude Code at it (.claude/settings.json), or use `lighthouse hook install`, which fails closed',
          'and also reports written files to the project view:',
          JSON.stringify(settings, null, 2)
            .split('\n')
            .map((l) => `  ${l}`)
            .join('\n'),
          '',
        ].join('\n'),
      );
    },
  });
}
