import { GraphQLError } from 'graphql';
import { bearerToken } from '../auth/credentials.js';
import { isAuthError, UNAUTHENTICATED } from '../auth/errors.js';
import type { TokenIdentity } from '../domain/identity.js';
import { forbidden } from '../server/access.js';
import { builder } from './builder.js';

builder.mutationType({ description: 'Signing in: checking a client token, and renewing it on a live WebSocket.' });

interface Authentication {
  subject: string;
  expiresAt: Date;
}

const AuthenticationRef = builder.objectRef<Authentication>('Authentication').implement({
  description: 'A client token that verified.',
  fields: (t) => ({
    subject: t.exposeString('subject', { description: 'the token\'s `sub`' }),
    expiresAt: t.field({ type: 'DateTime', description: 'when the token expires (`exp`)', resolve: (a) => a.expiresAt }),
  }),
});

/** The JWT of the argument: a bare compact JWT, or `Bearer <jwt>` as in a header. */
function tokenOf(argument: string): string {
  return bearerToken(/^bearer\s/i.test(argument) ? argument : `Bearer ${argument}`)!;
}

builder.mutationType({ description: 'Signing in: checking a client token, and renewing it on a live WebSocket.' });

builder.mutationField('authenticate', (t) =>
  t.field({
    type: AuthenticationRef,
    description:
      'Checks a client token (`UNAUTHENTICATED` when it does not verify). On a WebSocket it also renews the ' +
      "connection's credentials before they expire, without interrupting any subscription; the token must be of the " +
      'same subject (another one is `FORBIDDEN` and changes nothing). Over HTTP it only checks the token.',
    args: { token: t.arg.string({ required: true, description: 'a compact JWT (or `Bearer <jwt>`)' }) },
    resolve: async (_root, { token }, ctx) => {
      let identity: TokenIdentity;
      try {
        identity = (await ctx.services.auth.identify(tokenOf(token))).identity as TokenIdentity;
      } catch (error) {
        if (!isAuthError(error)) throw error;
        throw new GraphQLError(error.message, { extensions: { code: UNAUTHENTICATED } });
      }
      if (ctx.renewConnection && !ctx.renewConnection(identity)) {
        throw forbidden("authenticate: expected a token of this connection's own subject, got another one (sign in on a new connection instead)");
      }
      return { subject: identity.subject, expiresAt: identity.expiresAt };
    },
  }),
);
