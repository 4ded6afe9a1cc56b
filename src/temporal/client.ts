// A Temporal client for the CLI: fails fast with the service's name when the frontend is down.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.ts';
import { describeTemporalSecurity, temporalConnectionOptions, type TemporalConnectionSettings } from './connection-options.ts';
import { ServiceUnavailableError } from '../errors.ts';

type ClientSettings = Pick<Config, 'TEMPORAL_NAMESPACE'> & TemporalConnectionSettings;

export async function connectTemporal(config: ClientSettings): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: 5_000 });
    return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  } catch (error) {
    // Over TLS, a frontend that does not speak TLS looks like one that does not answer: say which was asked for.
    const transport = config.TEMPORAL_TLS ? `; TEMPORAL_TLS=true: is the frontend serving TLS (${describeTemporalSecurity(config)})?` : '';
    throw new ServiceUnavailableError('Temporal', `${config.TEMPORAL_ADDRESS} (${error instanceof Error ? error.message : String(error)}${transport})`, error);
  }
}

/** Runs `body` with a client and closes its connection afterwards. */
export async function withTemporal<T>(config: ClientSettings, body: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectTemporal(config);
  try {
    return await body(client);
  } finally {
    await client.connection.close();
  }
}
