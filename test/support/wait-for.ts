/**
 * Polls `condition` every `everyMs` until it holds, for at most `timeoutMs`: a guard against hanging,
 * not a clock to beat (give it a generous ceiling: the suite runs beside other heavy processes).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
