/** Environment variables a collector's function reads besides its configuration (set by the stack). */
export const COLLECTOR_ENV = {
  bucket: 'SLUICE_BUCKET',
  table: 'SLUICE_CHECKPOINT_TABLE',
} as const;
