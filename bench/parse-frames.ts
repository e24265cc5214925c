/**
 * What validating an upstream price frame costs: `parseUpstreamFrame` per frame against a bare
 * `JSON.parse` of the same text, measured in the same run, so the ratio holds on any machine.
 *
 *   npx tsx bench/parse-frames.ts
 *   FRAMES=200000 npx tsx bench/parse-frames.ts
 */
import { performance } from 'node:perf_hooks';
import { parseUpstreamFrame } from '../src/upstream/price-frames.js';

const FRAMES = Number(process.env.FRAMES ?? 100_000);
const PRICE = '{"AP":"65544.85350","BP":"65217.84675","U":1706521791,"T":"cr","A":"BTC","F":"EUR","CH":"prices-v1"}';
const CHANGE =
  '{"T":"cr","A":"BTC","F":"EUR","CH":"price-changes-v1","D":"-1.5133276010318143","I":"1.273209549071618",' +
  '"W":"-1.8677176148046607","M":"0.297723292469352","6M":"-7.9408455232277769","Y":"-24.3261099365750529",' +
  '"5Y":"-26.7534660050135571","DV":"-0.88","IV":"0.72","WV":"-1.09","MV":"0.17","6MV":"-4.94","YV":"-18.41",' +
  '"5YV":"-20.918","MVOL":"0.1185439986130654"}';

function microsPerFrame(run: (text: string) => unknown, text: string): number {
  for (let i = 0; i < 5_000; i++) run(text);
  const started = performance.now();
  for (let i = 0; i < FRAMES; i++) run(text);
  return ((performance.now() - started) * 1000) / FRAMES;
}

for (const [name, text] of [['prices-v1', PRICE], ['price-changes-v1', CHANGE]] as const) {
  const baseline = microsPerFrame((t) => JSON.parse(t), text);
  const parsed = microsPerFrame(parseUpstreamFrame, text);
  console.log(`${name}: parseUpstreamFrame ${parsed.toFixed(2)} µs, JSON.parse ${baseline.toFixed(2)} µs, ratio ${(parsed / baseline).toFixed(2)} (${FRAMES} frames)`);
}
