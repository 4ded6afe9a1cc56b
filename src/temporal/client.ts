// A Temporal client for the CLI: fails fast with the service's name when the frontend is down.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';

export async function connectTemporal(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: 5_000 });
    return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  } catch (error) {
    throw new ServiceUnavailableError('Temporal', `${config.TEMPORAL_ADDRESS} (${error instanceof Error ? error.message : String(error)})`, error);
  }
}

/** Runs `body` with a client and closes its connection afterwards. */
export async function withTemporal<T>(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>, body: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectTemporal(config);
  try {
    return await body(client);
  } finally {
    await client.connection.close();
  }
}
