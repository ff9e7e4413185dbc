// Runs a command in a consumer project and returns the JSON its script prints after RESULT.
import { spawnSync } from 'node:child_process';

/** Runs `cmd args` in `cwd`; throws with its output if it fails. */
export function exec(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 170_000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${out}`);
  return out;
}

/** The objects a script printed as `RESULT <json>` lines. */
export function results(out) {
  return out
    .split('\n')
    .filter((l) => l.startsWith('RESULT '))
    .map((l) => JSON.parse(l.slice(7)));
}
