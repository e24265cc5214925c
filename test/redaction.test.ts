import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { redactText } from '../src/redact-text.js';
import { startTestGateway, stopLeftovers } from './helpers/gateway.js';
import { httpQuery } from './helpers/clients.js';
import { whenTrue } from './helpers/when.js';

afterAll(async () => {
  expect(await stopLeftovers()).toBe(0);
});

describe('error texts that leave the process', () => {
  it('lose URL user info, bearer tokens and token parameters', () => {
    expect(redactText('fetch failed for https://user:hunter2@api.example/v1/events?x=1')).toBe('fetch failed for https://***@api.example/v1/events?x=1');
    expect(redactText('GET wss://u@stream.example/ws?access_token=abc&size=5: Bearer eyJhbGciOi.x-y_z')).toBe('GET wss://***@stream.example/ws?access_token=[redacted]&size=5: Bearer [redacted]');
    expect(redactText('nothing to hide')).toBe('nothing to hide');
  });

  it('a password in the upstream URL reaches neither upstream.poller.lastError nor the log', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    // loadConfig refuses this URL at start; a Config built in code still must not leak it
    const gw = await startTestGateway({ apiUrl: 'http://user:hunter2@127.0.0.1:9' }, { logger: createLogger({ level: 'debug', destination }) });
    try {
      const poller = gw.gateway.poller!;
      await whenTrue(poller.watch, () => poller.status().lastError !== null, 'a failed poll');
      expect(gw.gateway.poller!.status().lastError).toContain('hunter2');
      const { body } = await httpQuery(gw.server.graphqlUrl, '{ upstream { poller { lastError url } } }');
      const shown = JSON.stringify(body.data);
      expect(shown).toContain('lastError');
      expect(shown).not.toContain('hunter2');
    } finally {
      await gw.stop();
    }
    expect(chunks.join('')).not.toContain('hunter2');
  });
});
