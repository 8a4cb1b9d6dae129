// The policy engine's benchmark as a process of its own, printing JSON for the report.
import { benchPolicy } from '@lighthouse/bridge/policy/bench.js';

process.stdout.write(JSON.stringify({ date: new Date().toISOString(), ...benchPolicy() }, null, 2) + '\n');
