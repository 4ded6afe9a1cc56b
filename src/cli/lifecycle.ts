// One shutdown path for every long-running verb (worker, bridge, dashboard, start): the first
// SIGINT or SIGTERM stops the process's work cleanly and exits; a second one exits at once.
//
// Why a helper: each verb used to add its own handlers, and libraries add theirs (the Temporal SDK
// shuts its workers down on SIGINT by itself), so one Ctrl-C ran two shutdowns and the second threw
// "Not running. Current state: DRAINING". Here the process owns its signals, and the exit status is
// what a shell expects: 130 after Ctrl-C (128 + SIGINT), 0 after a requested stop (SIGTERM).

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit status after a clean stop caused by this signal. */
export const exitStatusFor = (signal: StopSignal): number => (signal === 'SIGINT' ? 130 : 0);

export interface ServeOptions {
  /** Stops the work: drains or hands back what is in flight, closes connections. Called once. */
  stop: (signal: StopSignal) => Promise<void>;
  /** Settles when the work ends by itself (a worker that failed); rejection is the process's error. */
  done?: Promise<unknown>;
  /** One line per event for the console (the logger's info and warn). */
  say?: (message: string) => void;
  warn?: (message: string) => void;
}

/**
 * Serves until a stop signal, stops once, and exits with the status for that signal. Exiting
 * explicitly after the clean stop, rather than waiting for the event loop to empty, is deliberate:
 * client libraries (kafkajs retry timers, gRPC channels) can keep handles open after their close
 * resolved, and a stopped process that lingers is the orphan a user then kills by hand.
 */
export async function serveUntilStopped(options: ServeOptions): Promise<void> {
  const say = options.say ?? ((message: string) => console.error(message));
  const warn = options.warn ?? say;
  let stopping: StopSignal | undefined;
  const received = new Promise<StopSignal>((resolve) => {
    const onSignal = (signal: StopSignal): void => {
      if (stopping) {
        warn(`${signal} again: exiting without waiting for the stop to finish`);
        process.exit(exitStatusFor(stopping));
      }
      stopping = signal;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const first = await Promise.race([received, (options.done ?? new Promise<never>(() => {})).then(() => undefined)]);
  if (first === undefined) return; // the work ended by itself; the caller decides what that means
  say(`${first === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}: stopping (send it again to exit at once)`);
  await options.stop(first);
  say('stopped');
  process.exit(exitStatusFor(first));
}
