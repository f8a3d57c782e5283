import { clientConfig, quietSdkNodeNotice, type AwsClientConfig, type AwsSettings } from './settings';

/**
 * AWS clients sharing one set of settings: each created on first use and destroyed together
 * (keep-alive sockets). It imports no SDK package: whoever asks for a client brings its service's
 * package (see AwsClients, secrets-manager.ts, s3.ts), so a command loads only the clients it uses.
 */
export class AwsSession {
  private readonly cache = new Map<string, { destroy(): void }>();

  constructor(readonly settings: AwsSettings) {
    quietSdkNodeNotice();
  }

  /** The client named `name`, created by `create` on the first call. */
  client<T extends { destroy(): void }>(name: string, create: (config: AwsClientConfig) => T): T {
    let client = this.cache.get(name) as T | undefined;
    if (!client) {
      client = create(clientConfig(this.settings));
      this.cache.set(name, client);
    }
    return client;
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
