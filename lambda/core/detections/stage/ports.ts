/** Where the stage writes alert objects: the log bucket, whose notifications bring them back to the forwarder. */
export interface AlertObjectWriter {
  /**
   * Creates `key` in the bucket unless it exists (S3: `If-None-Match: *`). True when written, false
   * when it existed (an earlier attempt wrote it: names are deterministic). Throws otherwise.
   */
  create(key: string, body: string): Promise<boolean>;
  /**
   * The body of the alert object at `key`, undefined when there is none (S3: `GetObject`, which the
   * forwarder may do on the alerts source it forwards). An opening is named by its alert alone, so
   * when its create finds it written the stage reads the count it shows.
   */
  read(key: string): Promise<string | undefined>;
}
