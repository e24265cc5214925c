import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import { preset as clientPreset } from '@graphql-codegen/client-preset';
import { buildSchema, isAbstractType, parse, type GraphQLAbstractType } from 'graphql';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';
import * as documents from '../../examples/generated/graphql.js';
import introspection from '../../examples/generated/possible-types.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const generatedDir = resolve(root, 'examples/generated');
const manifest = JSON.parse(readFileSync(resolve(generatedDir, 'persisted-documents.json'), 'utf8')) as Record<string, string>;

describe('codegen output (examples/generated, checked in)', () => {
  it('is what `npm run codegen` writes from schema.graphql and the operations today', async () => {
    // `npm run codegen` finds the client preset from the project; `generate()` called from here
    // would find the older one the CLI package carries, so it gets the project's own
    const generates = Object.fromEntries(
      Object.entries(config.generates).map(([path, output]) => [
        path,
        !Array.isArray(output) && typeof output === 'object' && output.preset === 'client' ? { ...output, preset: clientPreset as unknown as 'client' } : output,
      ]),
    ) as CodegenConfig['generates'];
    const outputs: Array<{ filename: string; content: string }> = await generate({ ...config, generates, cwd: root, silent: true }, false);
    const expected = new Map(outputs.map((o) => [resolve(root, o.filename), o.content]));
    const onDisk = readdirSync(generatedDir).map((name) => resolve(generatedDir, name));
    expect(onDisk.sort(), 'files in examples/generated').toEqual([...expected.keys()].sort());
    for (const [file, content] of expected) {
      expect(readFileSync(file, 'utf8') === content, `${relative(root, file)} is stale: run npm run codegen`).toBe(true);
    }
  }, 60_000);

  it('writes a trusted-documents manifest: "sha256:<hex of the document>" → the document, one per operation', () => {
    const documentNodes = (Object.values(documents) as unknown[]).filter(
      (value): value is { __meta__: { hash: string }; definitions: Array<{ kind: string }> } => typeof value === 'object' && value !== null && '__meta__' in value,
    );
    const operations = documentNodes.filter((d) => d.definitions.some((def) => def.kind === 'OperationDefinition'));
    expect(Object.keys(manifest).sort()).toEqual(operations.map((d) => d.__meta__.hash).sort());
    for (const [id, text] of Object.entries(manifest)) {
      expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
      expect(() => parse(text)).not.toThrow();
    }
  });

  it('writes possibleTypes with every member of each interface and union of the schema', () => {
    const schema = buildSchema(readFileSync(resolve(root, 'schema.graphql'), 'utf8'));
    const abstract = Object.values(schema.getTypeMap()).filter((t): t is GraphQLAbstractType => isAbstractType(t) && !t.name.startsWith('__'));
    const expected = Object.fromEntries(abstract.map((t) => [t.name, schema.getPossibleTypes(t).map((m) => m.name).sort()]));
    const written = Object.fromEntries(Object.entries(introspection.possibleTypes).map(([k, v]) => [k, [...v].sort()]));
    expect(written).toEqual(expected);
    expect(written.Notification).toContain('TopUpSuccessNotification');
  });

  it('types the examples: the Node apps and the browser page type-check against it', async () => {
    const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
    const check = (project: string) =>
      run(process.execPath, [tsc, '-p', project], { cwd: root, timeout: 120_000 }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    const [node, browser] = await Promise.all([check('examples'), check('examples/browser')]);
    expect(node).toBe('');
    expect(browser).toBe('');
  }, 180_000);
});
