// `lighthouse run`: a local bridge on the embedded store, with a generated
// master key, printing a credential and how to point Claude Code at it.
import { issueCredential } from '../auth/credentials.js';
import { writeClientConfig } from '../hook/client-config.js';
import { main } from '../main.js';
import path from 'node:path';
import { startFuseBeside } from './fuse.js';
import { loadOrCreateLocalKey } from './local-key.js';

export const LOCAL_AGENT = 'claude';

export async function runLocal(argv: string[] = []): Promise<void> {
  // `--fuse <dir>` also mounts the project there (the FUSE sidecar as a child process).
  const fuseAt = argv.indexOf('--fuse');
  const fuseDir = fuseAt >= 0 ? argv[fuseAt + 1] : undefined;
  if (fuseAt >= 0 && !fuseDir) {
    process.stderr.write('lighthouse run: --fuse needs a directory\n');
    process.exit(2);
  }
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
      const hookUrl = `${url.replace('0.0.0.0', '127.0.0.1')}/v1/hooks/claude-code`;
      // The CLI config (bridge URL + a 0600 credential file) that `lighthouse hook` and friends read.
      const cli = writeClientConfig(url.replace('0.0.0.0', '127.0.0.1'), credential);
      const settings = {
        hooks: {
          PreToolUse: [
            {
              matcher: '*',
              hooks: [
                {
                  type: 'http',
                  url: hookUrl,
                  // Longer than the escalation wait, so an expert's answer arrives in time.
                  timeout: Math.ceil(config.escalationTimeoutMs / 1000) + 15,
                  headers: { Authorization: 'Bearer $LIGHTHOUSE_CREDENTIAL' },
                  allowedEnvVars: ['LIGHTHOUSE_CREDENTIAL'],
                },
              ],
            },
          ],
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
          '',
          `CLI config for \`lighthouse hook|elicit|status\`: credential in ${cli.credentialFile} (mode 0600)`,
          '',
          'Point Claude Code at it (.claude/settings.json), or use the fail-closed `lighthouse hook install`:',
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
