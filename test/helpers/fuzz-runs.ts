/**
 * How many generated inputs a fuzz test sends over a real socket. `npm test` uses the counts the
 * tests name; `FUZZ_SCALE=5 npx vitest run test/server` multiplies them for a deeper run.
 */
export function fuzzRuns(runs: number): number {
  const scale = Number(process.env['FUZZ_SCALE'] ?? '1');
  return Math.max(1, Math.round(runs * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
