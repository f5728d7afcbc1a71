// A real OpenID provider for the tests (issue 17): node's `oidc-provider` (a certified
// implementation), on 127.0.0.1:$PORT, with two clients (the console's confidential one, the app's
// public one with PKCE), users found by `sub`, the dev login form (any password), and a few
// test-only routes under /test/ that no real provider has:
//   POST /test/rotate              new signing key; the old one is no longer published
//   POST /test/sign {claims}       a JWT signed with the provider's current key (for expired / other-audience tokens)
//   POST /test/console {redirect_uri, post_logout_redirect_uri}   register the console's URLs (its port is known late)
// Run from the folder where oidc-provider is installed (var/tools/oidc-provider), which the test
// fixture copies this file into.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';
import { SignJWT, importJWK } from 'jose';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

// Claims by `sub`; any other sub gets `<sub>@relay.test`, verified.
const USERS = {
  'emma-sub': { email: 'emma@relay.test', email_verified: true, name: 'Emma Jansen', locale: 'nl-NL', relay_team: 'sales-nl', relay_location: 'Utrecht' },
  'newcomer-sub': { email: 'newcomer@relay.test', email_verified: true, name: 'Nina Holm', locale: 'da-DK', relay_team: 'Sales DK', relay_location: 'Aarhus' },
  'unverified-sub': { email: 'unverified@relay.test', email_verified: false, name: 'Uno Verified' },
};

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

const state = { key: newKey(), console: { redirect_uris: ['http://127.0.0.1/none'], post_logout_redirect_uris: [] } };

function build() {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'relay-console', client_secret: 'console-secret-for-tests-only',
        grant_types: ['authorization_code'], response_types: ['code'],
        ...state.console,
      },
      {
        // The mobile app: a public client (no secret), PKCE, a loopback redirect (RFC 8252).
        client_id: 'relay-app', application_type: 'native', token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/app-callback'],
      },
    ],
    jwks: { keys: [state.key] },
    cookies: { keys: ['test-only-cookie-key-0123456789'] },
    claims: {
      openid: ['sub'], email: ['email', 'email_verified'],
      profile: ['name', 'locale', 'relay_team', 'relay_location'],
    },
    conformIdTokenClaims: false, // the scopes' claims in the ID token, as Entra ID's optional claims do
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, ...(USERS[sub] ?? { email: `${sub}@relay.test`, email_verified: true }) }),
    }),
    // First-party clients: no consent screen (the provider's documented recipe).
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  });
  return provider.callback();
}

let handler = build();

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

http.createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/test/rotate') {
      state.key = newKey();
      handler = build(); // sessions and grants live in the module's memory adapter: they survive
      return json(res, 200, { kid: state.key.kid });
    }
    if (req.method === 'POST' && req.url === '/test/console') {
      const { redirect_uri: redirect, post_logout_redirect_uri: back } = await body(req);
      state.console = { redirect_uris: [redirect], post_logout_redirect_uris: [back] };
      handler = build();
      return json(res, 200, {});
    }
    if (req.method === 'POST' && req.url === '/test/sign') {
      const { claims } = await body(req);
      const key = await importJWK(state.key, 'RS256');
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: state.key.kid, typ: 'JWT' }).sign(key);
      return json(res, 200, { token });
    }
    return handler(req, res);
  } catch (err) {
    return json(res, 500, { error: String(err) });
  }
}).listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
