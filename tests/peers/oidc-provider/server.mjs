// Local OpenID Provider for idpbridge integration tests (panva/oidc-provider 9.13.3, in-memory adapter).
// Adapted from shared/reference/local-peers.md §2.2. Loopback only. NOT for production.
//
// Environment:
//   OP_PORT          port on 127.0.0.1 (default 9090)
//   OP_JWKS_JSON     private signing JWKS ({"keys":[...]}) — pin keys; restart with another to rotate
//   OP_KID           kid of the fresh RS256 key generated when OP_JWKS_JSON is unset (default test-rs256)
//   OP_CLIENT_ID / OP_CLIENT_SECRET / OP_REDIRECT_URI   the confidential client (client_secret_basic)
//   OP_POST_CLIENT_ID / OP_POST_CLIENT_SECRET   id and secret of the client_secret_post client (e.g. an
//                    Apple Services ID and a client-secret JWT minted by the test)
//   OP_PKJWT_JWKS    public JWKS ({"keys":[...]}) of the private_key_jwt client pkjwt-client (absent: no
//                    such client)
//   OP_REQUIRE_PAR   1: the OP advertises require_pushed_authorization_requests (PAR for every client)
//   OP_INTERACTIONS  custom (default: password-checking login + TOTP) | dev (built-in, any password)
//   OP_ISSUER_PATH   path part of the issuer, e.g. /oidc/2 or /<tenant>/v2.0 (default: none); the OP is
//                    mounted there, so the provider-shaped issuer and discovery URL are exact
//   OP_EXTRA_CLAIMS  JSON {"<user>": {"<claim>": value}} merged into the users below; these claim names
//                    are released with the openid scope (ID token and userinfo), e.g. Entra tid/oid
//
// Clients:
//   test-client  native app (RFC 8252: any loopback port matches), client_secret_basic,
//                grants authorization_code, refresh_token, password
//   post-client  same, but client_secret_post
//   code-only    client_secret_basic, authorization_code only (password grant -> unauthorized_client)
//   csjwt-client client_secret_jwt (HS256) with CSJWT_SECRET; grants as test-client
//   device-public / device-throttled  public (none) device-flow clients (RFC 8628); device-throttled gets
//                interval 1 and slow_down whenever it polls again within 2 s (oidc-provider never sends it)
//   pkjwt-client private_key_jwt with the keys of OP_PKJWT_JWKS; grants as test-client
//   ciba-poll / ciba-throttled  CIBA poll mode, client_secret_basic with CIBA_SECRET; ciba-throttled gets
//                interval 1 and slow_down whenever it polls again within 2 s
//   ciba-pkjwt   CIBA poll mode, private_key_jwt (OP_PKJWT_JWKS) and RS256-signed backchannel requests
//   ciba-ping    CIBA ping mode (client_secret_basic), notified at OP_CIBA_PING_URI (https; only when set;
//                start node with NODE_EXTRA_CA_CERTS so it trusts the receiver's certificate)
//   CIBA users: login_hint alice|bob, login_hint_token "hint:<user>"; approve with POST /admin/ciba/approve
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';
const PORT = Number(process.env.OP_PORT || 9090);
const BASE = (process.env.OP_ISSUER_PATH || '').replace(/\/+$/, '');
const ISSUER = `http://${HOST}:${PORT}${BASE}`;
const CLIENT_ID = process.env.OP_CLIENT_ID || 'test-client';
const CLIENT_SECRET = process.env.OP_CLIENT_SECRET || 'test-secret';
const REDIRECT_URI = process.env.OP_REDIRECT_URI || 'http://127.0.0.1:8765/callback';
const LOGOUT_URI = 'http://127.0.0.1:8765/logged-out';
const CSJWT_SECRET = 'csjwt-secret-0123456789-0123456789-abcdef';
const PKJWT_JWKS = process.env.OP_PKJWT_JWKS ? JSON.parse(process.env.OP_PKJWT_JWKS) : undefined;
const CIBA_SECRET = 'ciba-secret-0123456789';
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const CIBA_PING_URI = process.env.OP_CIBA_PING_URI;
const DEV_INTERACTIONS = (process.env.OP_INTERACTIONS || 'custom') === 'dev';

const USERS = {
  alice: {
    password: 'alice-pass', email: 'alice@example.test', email_verified: true, name: 'Alice Example',
    given_name: 'Alice', family_name: 'Example', preferred_username: 'alice.example',
    phone_number: '+15550100', phone_number_verified: false, groups: ['staff', 'admins'],
  },
  bob: { password: 'bob-pass', email: 'bob@example.test', email_verified: false, name: 'Bob Example', groups: [] },
  // carol has TOTP enabled (base32 secret, RFC 6238 SHA1/6 digits/30s) -> second form after the password
  carol: {
    password: 'carol-pass', email: 'carol@example.test', email_verified: true, name: 'Carol Example',
    totp: 'JBSWY3DPEHPK3PXP', groups: ['staff'],
  },
};

const EXTRA_CLAIMS = JSON.parse(process.env.OP_EXTRA_CLAIMS || '{}');
for (const [user, claims] of Object.entries(EXTRA_CLAIMS)) Object.assign(USERS[user], claims);
const EXTRA_CLAIM_NAMES = [...new Set(Object.values(EXTRA_CLAIMS).flatMap((c) => Object.keys(c)))];

const jwks = process.env.OP_JWKS_JSON
  ? JSON.parse(process.env.OP_JWKS_JSON)
  : {
    keys: [{
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: process.env.OP_KID || 'test-rs256', alg: 'RS256', use: 'sig',
    }],
  };

// `groups` is released by userinfo only, so tests can see claims merged from two sources.
const USERINFO_ONLY = new Set(['groups']);

async function findAccount(ctx, sub) {
  const u = USERS[sub];
  if (!u) return undefined;
  return {
    accountId: sub,
    async claims(use) {
      const out = { sub };
      for (const [k, v] of Object.entries(u)) {
        if (k === 'password' || k === 'totp') continue;
        if (use !== 'userinfo' && USERINFO_ONLY.has(k)) continue;
        out[k] = v;
      }
      return out;
    },
  };
}

const ALL_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'groups'];
const baseClient = {
  application_type: 'native',
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [LOGOUT_URI],
  response_types: ['code'],
};
const configuration = {
  clients: [
    {
      ...baseClient, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
    },
    {
      ...baseClient,
      client_id: process.env.OP_POST_CLIENT_ID || 'post-client',
      client_secret: process.env.OP_POST_CLIENT_SECRET || 'post-secret',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
    },
    {
      ...baseClient, client_id: 'code-only', client_secret: 'code-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
    },
    {
      ...baseClient, client_id: 'csjwt-client', client_secret: CSJWT_SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
    },
    ...['device-public', 'device-throttled'].map((clientId) => ({
      client_id: clientId, application_type: 'native', token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [], redirect_uris: [],
    })),
    ...['ciba-poll', 'ciba-throttled'].map((clientId) => ({
      client_id: clientId, client_secret: CIBA_SECRET, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
      backchannel_token_delivery_mode: 'poll',
    })),
    ...(CIBA_PING_URI ? [{
      client_id: 'ciba-ping', client_secret: CIBA_SECRET, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
      backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: CIBA_PING_URI,
    }] : []),
    ...(PKJWT_JWKS ? [{
      client_id: 'ciba-pkjwt', jwks: PKJWT_JWKS, token_endpoint_auth_method: 'private_key_jwt',
      grant_types: [CIBA_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
      backchannel_token_delivery_mode: 'poll', backchannel_authentication_request_signing_alg: 'RS256',
    }] : []),
    ...(PKJWT_JWKS ? [{
      ...baseClient, client_id: 'pkjwt-client', jwks: PKJWT_JWKS,
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
    }] : []),
  ],
  jwks,
  cookies: { keys: ['test-cookie-key-1'] },
  claims: {
    openid: ['sub', 'acr', 'amr', 'auth_time', ...EXTRA_CLAIM_NAMES],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    phone: ['phone_number', 'phone_number_verified'],
    groups: ['groups'],
  },
  scopes: ALL_SCOPES,
  acrValues: ['pwd', 'mfa'],
  conformIdTokenClaims: false, // email/name in the ID token too, like most commercial IdPs
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: DEV_INTERACTIONS },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // PAR (RFC 9126) and JAR (RFC 9101); OP_REQUIRE_PAR=1 makes PAR mandatory for every client
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: process.env.OP_REQUIRE_PAR === '1' },
    requestObjects: { enabled: true },
    deviceFlow: { enabled: true }, // RFC 8628; approve with POST /admin/device/approve (below)
    // CIBA (local-peers.md §9); approve with POST /admin/ciba/approve (below)
    ciba: {
      enabled: true,
      deliveryModes: ['poll', 'ping'],
      processLoginHint: async (ctx, hint) => (USERS[hint] ? hint : undefined), // undefined: unknown_user_id
      processLoginHintToken: async (ctx, token) => {
        const user = String(token).startsWith('hint:') ? String(token).slice(5) : '';
        return USERS[user] ? user : undefined;
      },
      validateBindingMessage: async (ctx, message) => {
        if (message !== undefined && !/^[a-zA-Z0-9-._+/!?#]{1,20}$/.test(message)) {
          throw new errors.InvalidBindingMessage('binding_message must be 1-20 basic characters');
        }
      },
      validateRequestContext: async () => {},
      verifyUserCode: async () => {},
      triggerAuthenticationDevice: async (ctx, request, account) => {
        cibaPending.set(request.jti, { binding: request.params.binding_message, account: account.accountId });
      },
    },
  },
  // oidc-provider refuses outgoing requests to loopback addresses (its SSRF guard); the CIBA ping
  // receiver of the tests listens on 127.0.0.1
  fetch: (url, options) => { delete options.dispatcher; return globalThis.fetch(url, options); },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true, // every refresh returns a new refresh token and retires the old one
  ttl: {
    AccessToken: 600, IdToken: 600, AuthorizationCode: 60, RefreshToken: 3600, Interaction: 600, Session: 3600,
    Grant: 3600,
  },
  findAccount,
  interactions: { url: (ctx, interaction) => `${BASE}/interaction/${interaction.uid}` },
  // Auto-approve consent for the first-party test clients, so only the login page needs a POST.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (!ctx.oidc.session.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ALL_SCOPES.join(' '));
    grant.addOIDCClaims(['name', 'email', 'email_verified']);
    await grant.save();
    return grant;
  },
};

const cibaPending = new Map(); // auth_req_id -> { binding, account }, filled by triggerAuthenticationDevice
const provider = new Provider(ISSUER, configuration);

// ---- Custom grant: Resource Owner Password Credentials (RFC 6749 §4.3) ----
provider.registerGrantType('password', async function passwordGrant(ctx) {
  const { client, params } = ctx.oidc;
  if (!params.username || !params.password) {
    throw new errors.InvalidRequest('missing username or password');
  }
  const user = USERS[params.username];
  if (!user || user.password !== params.password) {
    throw new errors.InvalidGrant('invalid username or password');
  }
  const accountId = params.username;
  const requested = new Set((params.scope || 'openid').split(' '));
  const scope = [...requested].filter((s) => ALL_SCOPES.includes(s)).join(' ');

  const grant = new provider.Grant({ clientId: client.clientId, accountId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();

  const account = await findAccount(ctx, accountId);
  ctx.oidc.entity('Account', account);

  const at = new provider.AccessToken({ accountId, client, grantId, gty: 'password', scope });
  const accessToken = await at.save();

  let refreshToken;
  if (client.grantTypeAllowed('refresh_token')) {
    const rt = new provider.RefreshToken({
      accountId, client, grantId, gty: 'password', scope, rotations: 0, authTime: Math.floor(Date.now() / 1000),
    });
    refreshToken = await rt.save();
  }

  let idToken;
  if (requested.has('openid')) {
    const claims = await account.claims('id_token', scope, {}, []);
    const token = new provider.IdToken({ ...claims, amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) }, { ctx });
    token.scope = scope;
    idToken = await token.issue({ use: 'idtoken' });
  }

  ctx.body = {
    access_token: accessToken,
    token_type: at.tokenType,
    expires_in: at.expiration,
    scope,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(idToken ? { id_token: idToken } : {}),
  };
}, new Set(['username', 'password', 'scope']));

// ---- Custom interactions (used when devInteractions is disabled) ----
function totp(base32, t = Date.now(), step = 30, digits = 6) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / step)));
  const h = createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}
const page = (uid, body, error) => `<!doctype html><html><body>${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="${BASE}/interaction/${esc(uid)}">${body}<button type="submit">Continue</button></form>
<a href="${BASE}/interaction/${esc(uid)}/abort">Cancel</a></body></html>`;
const loginForm = (uid, err) => page(uid, '<input type="hidden" name="step" value="login"><input name="login"><input type="password" name="password">', err);
const otpForm = (uid, err) => page(uid, '<input type="hidden" name="step" value="otp"><input name="otp" inputmode="numeric">', err);
async function finish(ctx, result, opts) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, opts);
  ctx.status = 303;
  ctx.redirect(returnTo);
}
const pendingOtp = new Map(); // interaction uid -> accountId awaiting TOTP

if (!DEV_INTERACTIONS) {
  provider.use(async (ctx, next) => {
    const m = ctx.path.match(/^\/interaction\/([\w-]+)(\/abort)?$/);
    if (!m) return next();
    ctx.set('cache-control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res); // throws SessionNotFound w/o cookie
    const { uid, prompt, params } = details;
    if (m[2]) {
      return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    }
    if (prompt.name === 'consent') { // auto-consent for the first-party test clients
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      return finish(ctx, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    }
    ctx.type = 'html';
    if (ctx.method === 'GET') { ctx.body = pendingOtp.has(uid) ? otpForm(uid) : loginForm(uid); return undefined; }
    if (ctx.method !== 'POST') { ctx.status = 405; return undefined; }
    const form = await readForm(ctx.req);
    if (form.step === 'otp' && pendingOtp.has(uid)) {
      const accountId = pendingOtp.get(uid);
      const now = Date.now();
      const ok = [-30000, 0, 30000].some((d) => totp(USERS[accountId].totp, now + d) === form.otp);
      if (!ok) { ctx.status = 400; ctx.body = otpForm(uid, 'invalid code'); return undefined; }
      pendingOtp.delete(uid);
      return finish(ctx, { login: { accountId, amr: ['pwd', 'otp'], acr: 'mfa' } }, { mergeWithLastSubmission: false });
    }
    const user = USERS[form.login];
    if (!user || user.password !== form.password) {
      ctx.status = 401; ctx.body = loginForm(uid, 'invalid username or password'); return undefined;
    }
    if (user.totp) { pendingOtp.set(uid, form.login); ctx.body = otpForm(uid); return undefined; }
    return finish(ctx, { login: { accountId: form.login, amr: ['pwd'], acr: 'pwd' } }, { mergeWithLastSubmission: false });
  });
}

// ---- Test-only device-flow routes (local-peers.md §9) and the device-throttled client's slow_down ----
// POST /admin/device/approve  user_code=...&account=alice   |   POST /admin/device/deny  user_code=...
const lastDevicePoll = new Map(); // device_code -> ms of the previous poll
provider.use(async (ctx, next) => {
  const m = ctx.method === 'POST' && ctx.path.match(/^\/admin\/device\/(approve|deny)$/);
  if (m) {
    const form = await readForm(ctx.req);
    const userCode = String(form.user_code || '').toUpperCase().replace(/\W/g, '');
    const code = await provider.DeviceCode.findByUserCode(userCode, { ignoreExpiration: true });
    if (!code || code.isExpired || code.accountId || code.error || code.inFlight) {
      ctx.status = 400; ctx.body = { error: 'unusable user_code' }; return undefined;
    }
    if (m[1] === 'deny') {
      code.error = 'access_denied'; code.errorDescription = 'End-User denied the device';
    } else {
      const accountId = form.account || 'alice';
      const grant = new provider.Grant({ clientId: code.clientId, accountId });
      grant.addOIDCScope(code.params.scope);
      Object.assign(code, {
        accountId, grantId: await grant.save(), scope: code.params.scope, authTime: Math.floor(Date.now() / 1000),
      });
    }
    await code.save();
    ctx.status = 204;
    return undefined;
  }
  const c = ctx.method === 'POST' && ctx.path.match(/^\/admin\/ciba\/(approve|deny)$/);
  if (c) { // binding_message=... : the pending request triggered with that binding message
    const form = await readForm(ctx.req);
    const found = [...cibaPending].find(([, v]) => v.binding === form.binding_message);
    const request = found && await provider.BackchannelAuthenticationRequest.find(found[0]);
    if (!request) { ctx.status = 400; ctx.body = { error: 'no such pending request' }; return undefined; }
    cibaPending.delete(found[0]);
    if (c[1] === 'deny') {
      await provider.backchannelResult(request, new errors.AccessDenied('End-User denied the request'));
    } else {
      const grant = new provider.Grant({ clientId: request.clientId, accountId: request.accountId });
      grant.addOIDCScope(request.scope);
      await provider.backchannelResult(request, await grant.save(), { authTime: Math.floor(Date.now() / 1000) });
    }
    ctx.status = 204;
    return undefined;
  }
  await next();
  if (ctx.oidc?.client?.clientId === 'ciba-throttled' && ctx.body && typeof ctx.body === 'object') {
    if (ctx.oidc.route === 'backchannel_authentication' && ctx.status === 200) ctx.body = { ...ctx.body, interval: 1 };
    if (ctx.oidc.route === 'token' && ctx.body.error === 'authorization_pending') {
      const id = ctx.oidc.params.auth_req_id;
      const now = Date.now();
      if (now - (lastDevicePoll.get(id) || 0) < 2000) ctx.body = { error: 'slow_down', error_description: 'poll slower' };
      lastDevicePoll.set(id, now);
    }
    return undefined;
  }
  if (ctx.oidc?.client?.clientId !== 'device-throttled' || !ctx.body || typeof ctx.body !== 'object') return undefined;
  if (ctx.oidc.route === 'device_authorization' && ctx.status === 200) ctx.body = { ...ctx.body, interval: 1 };
  if (ctx.oidc.route === 'token' && ctx.body.error === 'authorization_pending') {
    const dc = ctx.oidc.params.device_code;
    const now = Date.now();
    if (now - (lastDevicePoll.get(dc) || 0) < 2000) ctx.body = { error: 'slow_down', error_description: 'poll slower' };
    lastDevicePoll.set(dc, now);
  }
  return undefined;
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));

// With an issuer path the OP is mounted under it (oidc-provider derives its URLs from req.originalUrl).
const mounted = (handler) => (req, res) => {
  if (req.url !== BASE && !req.url.startsWith(`${BASE}/`) && !req.url.startsWith(`${BASE}?`)) {
    res.statusCode = 404;
    res.end();
    return;
  }
  req.originalUrl = req.url;
  const rest = req.url.slice(BASE.length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  handler(req, res);
};
const server = (BASE ? createServer(mounted(provider.callback())) : provider).listen(PORT, HOST, () => {
  console.log(`oidc-provider listening on ${ISSUER} kids=${jwks.keys.map((k) => k.kid).join(',')}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { server.closeAllConnections(); server.close(); process.exit(0); });
}
