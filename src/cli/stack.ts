// `orders stack up|down|status|install|restart|kill`: the local stack of Temporal, Kafka, S3 and SMTP.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { displayPath, installStack, isServiceName, killService, restartService, SERVICE_NAMES, stackDown, stackStatus, stackUp, temporalTestServerPath, type ServiceName, type ServiceStatus } from '../stack/index.ts';

function serviceNames(names: string[]): ServiceName[] | undefined {
  if (names.length === 0) return undefined;
  for (const name of names) if (!isServiceName(name)) throw new UsageError(`unknown service "${name}" (one of: ${SERVICE_NAMES.join(', ')})`);
  return names as ServiceName[];
}

const say = (line: string): void => console.log(line);

function printStatus(statuses: ServiceStatus[]): void {
  const rows = statuses.map((s) => [
    s.name,
    s.healthy ? 'healthy' : 'DOWN',
    Object.entries(s.urls).map(([label, url]) => `${label} ${url}`).join('  '),
    s.version,
    s.pid === undefined ? '-' : `pid ${s.pid}${s.rssKiB === undefined ? '' : `, ${Math.round(s.rssKiB / 1024)} MiB`}`,
  ]);
  const header = ['service', 'health', 'urls', 'version', 'process'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const s of statuses.filter((x) => !x.healthy)) console.log(`\n${s.title} is down: ${s.detail ?? ''}\n  log: ${displayPath(s.log)}`);
}

export function register(program: Command): void {
  const stack = program.command('stack').description(`the local stack: Temporal (+ Web UI), Kafka, S3, SMTP catcher (services: ${SERVICE_NAMES.join(', ')})`);

  stack
    .command('up')
    .description('install (first run) and start every service that does not answer yet, wait until all answer, create topics and bucket')
    .argument('[services...]', 'only these services')
    .action(async (names: string[]) => {
      const config = loadConfig();
      await stackUp(config, { only: serviceNames(names), log: say });
      printStatus(await stackStatus(config, { only: serviceNames(names) }));
    });

  stack
    .command('down')
    .description('stop the services this stack started (pid files), nothing else')
    .argument('[services...]', 'only these services')
    .action(async (names: string[]) => {
      const stopped = await stackDown(loadConfig(), { only: serviceNames(names), log: say });
      if (stopped.length === 0) say('nothing to stop');
    });

  stack
    .command('status')
    .description('print each service, its URLs and health (exit code 1 when one is down)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const statuses = await stackStatus(loadConfig());
      if (options.json) console.log(JSON.stringify(statuses, null, 2));
      else printStatus(statuses);
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });

  stack
    .command('install')
    .description('install the pinned service versions into the cache without starting them')
    .action(async () => {
      const t0 = Date.now();
      const config = loadConfig();
      await installStack(config);
      say(`installed in ${((Date.now() - t0) / 1000).toFixed(1)} s; Temporal test server: ${await temporalTestServerPath(config)}`);
    });

  stack
    .command('restart')
    .description('kill (or --graceful: stop) one service and start it again')
    .argument('<service>', SERVICE_NAMES.join(' | '))
    .option('--graceful', 'SIGTERM instead of SIGKILL')
    .action(async (name: string, options: { graceful?: boolean }) => {
      const [service] = serviceNames([name])!;
      const t0 = Date.now();
      await restartService(loadConfig(), service!, { signal: options.graceful ? 'SIGTERM' : 'SIGKILL' });
      say(`${service} answers again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

  stack
    .command('kill')
    .description('SIGKILL one service the stack started (for drills)')
    .argument('<service>', SERVICE_NAMES.join(' | '))
    .action(async (name: string) => {
      const [service] = serviceNames([name])!;
      say((await killService(loadConfig(), service!)) ? `${service} killed` : `${service} was not started by this stack`);
    });
}
