/**
 * The Logs Ingestion API refuses a call above 1 MB, compressed or not (413 ContentLengthLimitExceeded,
 * "Maximum allowed content length: 1048576 bytes (1 MB)"). `maxBatchBytes` keeps batches below it; a
 * single record above it can never be sent.
 */
export const INGESTION_MAX_CALL_BYTES = 1_048_576;
