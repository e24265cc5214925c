import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed client documents from the checked-in schema and the example operations:
 * `npm run codegen` writes them to examples/generated/ (not checked in).
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'examples/generated/': {
      preset: 'client',
      // plain types for fragments (as Apollo Client and urql users read them), ESM import paths
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { Decimal: 'string', DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.js',
      },
    },
  },
};

export default config;
