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
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  if (stat.exited) return null;
  if (stat.startTicks === undefined) return undefined;
  bootId ??= readBootId();
  return `${bootId}:${stat.startTicks}`;
}

/** Linux's USER_HZ, which /proc's start times count in: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * When the process with this pid started, as a time (to the second: /proc's boot time is in whole seconds),
 * for comparing with a time a record was written. `undefined` where it cannot be told.
 */
export function processStartedAt(pid: number): Date | undefined {
  const stat = readStat(pid);
  if (stat?.startTicks === undefined) return undefined;
  let bootSeconds: number;
  try {
    bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(bootSeconds)) return undefined;
  return new Date((bootSeconds + Number(stat.startTicks) / CLOCK_TICKS_PER_SECOND) * 1000);
}

function readStat(pid: number): { exited: boolean; startTicks: string | undefined } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')': fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state] = fields;
  // Field 22, starttime: the 20th after the name.
  const start = fields[19];
  return { exited: state === 'Z' || state === 'X', startTicks: start !== undefined && /^\d+$/.test(start) ? start : undefined };
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}
