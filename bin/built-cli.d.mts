/** See built-cli.mjs. */
export declare function builtCli(
  root: string,
  outdir?: string,
):
  | { readonly entry: string; readonly reason?: undefined }
  | { readonly entry?: undefined; readonly reason: string };
