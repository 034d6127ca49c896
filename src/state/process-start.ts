import { readFileSync } from 'node:fs';

let bootId: string | undefined;

/**
 * When the process with this pid started, as a string that a later process given the same pid (after a
 * crash, or a reboot) cannot have: Linux's boot id and the start time in clock ticks from
 * `/proc/<pid>/stat`. `null` for a zombie (it has exited; its parent has not collected it yet). `undefined`
 * where there is no such file (another OS, a hidden or missing process): callers then fall back to whether
 * the pid answers a signal, and to the lock's age (see `start-lock.ts`).
 */
export function processStartOf(pid: number): string | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')': fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state] = fields;
  const start = fields[19];
  if (state === 'Z' || state === 'X') return null;
  if (start === undefined || !/^\d+$/.test(start)) return undefined;
  bootId ??= readBootId();
  return `${bootId}:${start}`;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}
