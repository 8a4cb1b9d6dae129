// `lighthouse flags …`: see the flag set, pull or release a kill switch (admin).
import { parseArgs } from 'node:util';
import { CommandError, connect, expectOk, print } from './connect.js';

const usage = `usage: lighthouse flags <command> [options]

commands:
  list                        flags, their modes, kill switches, and whether each is on for you
  kill <flag> [--reason <t>]  turn a flag off on every replica within a second (admin credential)
  restore <flag>              release the kill switch (admin credential)

options: --json, --help
`;

interface FlagsView {
  flags: Record<string, { mode: string; percentage?: number; agents?: string[] }>;
  killed: string[];
  enabled: Record<string, boolean>;
  error: string | null;
}

export async function flagsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { reason: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const [sub, flag] = positionals;
  if (values.help || sub === undefined) return (process.stdout.write(usage), 0);
  const client = connect();
  switch (sub) {
    case 'list': {
      const v = expectOk<FlagsView>(await client.get('/v1/flags'));
      print(
        !!values.json,
        v,
        () =>
          Object.entries(v.flags)
            .map(([name, spec]) => {
              const detail =
                spec.mode === 'percentage'
                  ? ` ${spec.percentage}%`
                  : spec.mode === 'agents'
                    ? ` ${spec.agents?.join(',')}`
                    : '';
              const killed = v.killed.includes(name) ? '  KILLED' : '';
              return `${name.padEnd(20)} ${spec.mode}${detail}${killed}  (for you: ${v.enabled[name] ? 'on' : 'off'})\n`;
            })
            .join('') + (v.error ? `flags.yaml not reloaded: ${v.error}\n` : ''),
      );
      return 0;
    }
    case 'kill':
    case 'restore': {
      if (!flag) throw new CommandError(`lighthouse flags ${sub} needs a flag name`, 2);
      const body = sub === 'kill' && values.reason ? { reason: values.reason } : {};
      const r = expectOk<{ flag: string; killed: boolean }>(
        await client.post(`/v1/admin/flags/${encodeURIComponent(flag)}/${sub}`, body),
      );
      print(!!values.json, r, () => `${r.flag}: ${r.killed ? 'killed' : 'restored'}\n`);
      return 0;
    }
    default:
      throw new CommandError(`unknown command "${sub}"\n${usage}`, 2);
  }
}
