// Test OpenID Provider for the pam_oauth2 test suites.
//
// node server.mjs --state DIR [--device-ttl SECONDS] [--interval SECONDS]
//                 [--cert valid|expired] [--enforce-interval] [--cache-max-age N]
//                 [--profile NAME] [--profile-option KEY[=VALUE]]... [--port N]
//                 [--no-ciba] [--ciba-ttl SECONDS]
//
// HTTPS provider (oidc-provider) on 127.0.0.1:<random>, issuer https://localhost:<port>,
// plus a plain-HTTP control API on 127.0.0.1:<random>. When both are ready,
// DIR/idp.env is written atomically. See README.md.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import process from 'node:process';
import util from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { PROFILE_NAMES, makeProfile } from './profiles.mjs';
import {
  USERS, checkPassword, claimsOf, findBySub, findByUsername,
} from './users.mjs';

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const opts = {
    state: process.env.IDP_STATE || '',
    deviceTtl: Number(process.env.IDP_DEVICE_TTL || 600),
    interval: Number(process.env.IDP_INTERVAL || 5),
    cert: process.env.IDP_CERT || 'valid',
    enforceInterval: process.env.IDP_ENFORCE_INTERVAL === '1',
    cacheMaxAge: Number(process.env.IDP_CACHE_MAX_AGE || 300),
    profile: process.env.IDP_PROFILE || 'standard',
    profileOptions: [],
    codeTtl: Number(process.env.IDP_CODE_TTL || 60),
    ciba: process.env.IDP_NO_CIBA !== '1',
    cibaTtl: Number(process.env.IDP_CIBA_TTL || 600),
    port: 0,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      i += 1;
      return argv[i];
    };
    switch (a) {
      case '--state': opts.state = val(); break;
      case '--device-ttl': opts.deviceTtl = Number(val()); break;
      case '--interval': opts.interval = Number(val()); break;
      case '--cert': opts.cert = val(); break;
      case '--enforce-interval': opts.enforceInterval = true; break;
      case '--cache-max-age': opts.cacheMaxAge = Number(val()); break;
      case '--profile': opts.profile = val(); break;
      case '--profile-option': opts.profileOptions.push(val()); break;
      case '--code-ttl': opts.codeTtl = Number(val()); break;
      case '--port': opts.port = Number(val()); break;
      case '--no-ciba': opts.ciba = false; break;
      case '--ciba-ttl': opts.cibaTtl = Number(val()); break;
      default: throw new Error(`unknown argument: ${a}`);
    }
  }
  if (!opts.state) throw new Error('--state DIR is required');
  for (const k of ['deviceTtl', 'interval', 'codeTtl', 'cibaTtl']) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  if (!Number.isInteger(opts.cacheMaxAge) || opts.cacheMaxAge < 0) throw new Error('--cache-max-age must be >= 0');
  if (!['valid', 'expired'].includes(opts.cert)) throw new Error('--cert must be "valid" or "expired"');
  if (!PROFILE_NAMES.includes(opts.profile)) throw new Error(`--profile must be one of: ${PROFILE_NAMES.join(', ')}`);
  opts.state = path.resolve(opts.state);
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`server.mjs: ${e.message}`);
  process.exit(2);
}

const STATE = opts.state;
const log = (...a) => console.log(new Date().toISOString(), ...a);

// ---------------------------------------------------------------- signing keys

// Newest key first within each type: oidc-provider signs with the first key
// matching the client's alg, so index 0 is the "active" key of its type.
const signingKeys = { RSA: [], EC: [] };
const keySerial = { RSA: 0, EC: 0 };

// Keys are generated asynchronously: Node 20's generateKeyPairSync can
// deadlock when a garbage collection runs while the key is exported
// (a KeyGenJob destructor waits on a mutex the same thread holds); it hung
// about one start in fifteen here.
const generateKeyPair = util.promisify(crypto.generateKeyPair);

async function newKey(kty) {
  keySerial[kty] += 1;
  const kp = kty === 'RSA'
    ? await generateKeyPair('rsa', { modulusLength: 2048 })
    : await generateKeyPair('ec', { namedCurve: 'P-256' });
  const alg = kty === 'RSA' ? 'RS256' : 'ES256';
  const kid = `${kty === 'RSA' ? 'rsa' : 'ec'}-${keySerial[kty]}`;
  const jwk = { ...kp.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const entry = { kid, alg, kty, jwk, privateKey: kp.privateKey };
  signingKeys[kty].unshift(entry);
  return entry;
}

await newKey('RSA');
await newKey('EC');
log('signing keys generated');

const currentJwks = () => ({ keys: [...signingKeys.RSA, ...signingKeys.EC].map((k) => ({ ...k.jwk })) });

const b64u = (buf) => Buffer.from(buf).toString('base64url');

// claims: an object (serialised here) or a string, the payload's exact text
// (for what a JavaScript object cannot hold, e.g. a name given twice).
function signJws(kty, header, claims) {
  const key = signingKeys[kty][0];
  const h = { alg: key.alg, typ: 'JWT', kid: key.kid, ...header };
  const payload = typeof claims === 'string' ? claims : JSON.stringify(claims);
  const input = `${b64u(JSON.stringify(h))}.${b64u(payload)}`;
  const sig = kty === 'RSA'
    ? crypto.sign('sha256', Buffer.from(input), key.privateKey)
    : crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

// ---------------------------------------------------------------- profile

// A self-signed certificate for an RSA signing key, for providers whose JWKS
// carries x5c/x5t (made once per key with openssl).
const certs = new Map();
function certFor(kid) {
  if (certs.has(kid)) return certs.get(kid);
  const key = [...signingKeys.RSA, ...signingKeys.EC].find((k) => k.kid === kid);
  const keyFile = path.join(STATE, `x5c-${kid}-key.pem`);
  fs.writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const der = execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=test-idp signing key',
    '-days', '3650', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'pipe'] });
  fs.unlinkSync(keyFile);
  const c = { x5c: der.toString('base64'), x5t: b64u(crypto.createHash('sha1').update(der).digest()) };
  certs.set(kid, c);
  return c;
}

// An RSA encryption key (use "enc") that some providers list next to their
// signing keys.
let encJwk;

let profile;
try {
  profile = makeProfile(opts.profile, opts.profileOptions, {
    signJws, findBySub, users: USERS, certFor, encJwk: () => encJwk,
  });
} catch (e) {
  console.error(`server.mjs: ${e.message}`);
  process.exit(2);
}
if (opts.profile === 'keycloak') {
  const kp = await generateKeyPair('rsa', { modulusLength: 2048 });
  const { n, e } = kp.publicKey.export({ format: 'jwk' });
  encJwk = {
    kid: 'enc-1', kty: 'RSA', alg: 'RSA-OAEP', use: 'enc', n, e,
  };
}

// ---------------------------------------------------------------- storage

// One in-memory store shared by every Provider instance this process builds
// (a key rotation rebuilds the Provider; pending device codes, grants and
// tokens survive it).
const store = new Map(); // "Model:id" -> { payload, exp (ms epoch) | undefined }
const userCodeIndex = new Map(); // userCode -> "DeviceCode:id"
const uidIndex = new Map(); // uid -> "Session:id"
const grantIndex = new Map(); // grantId -> Set of store keys

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const k = this.key(id);
    store.set(k, { payload: structuredClone(payload), exp: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.userCode) userCodeIndex.set(payload.userCode, k);
    if (payload.uid) uidIndex.set(payload.uid, k);
    if (payload.grantId) {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(k);
    }
  }

  static get(k) {
    const e = store.get(k);
    if (!e) return undefined;
    if (e.exp !== undefined && e.exp <= Date.now()) {
      store.delete(k);
      return undefined;
    }
    return structuredClone(e.payload);
  }

  async find(id) {
    return MemoryAdapter.get(this.key(id));
  }

  async findByUserCode(userCode) {
    const k = userCodeIndex.get(userCode);
    return k && k.startsWith(`${this.model}:`) ? MemoryAdapter.get(k) : undefined;
  }

  async findByUid(uid) {
    const k = uidIndex.get(uid);
    return k && k.startsWith(`${this.model}:`) ? MemoryAdapter.get(k) : undefined;
  }

  async consume(id) {
    const e = store.get(this.key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const keys = grantIndex.get(grantId);
    if (!keys) return;
    for (const k of keys) store.delete(k);
    grantIndex.delete(grantId);
  }
}

// ---------------------------------------------------------------- runtime state

const normalizeUserCode = (s) => String(s).toUpperCase().replace(/[^A-Z0-9]/g, '');
const formatUserCode = (n) => (n.length === 8 ? `${n.slice(0, 4)}-${n.slice(4)}` : n);

const ENDPOINTS = ['discovery', 'jwks', 'device_authorization', 'backchannel_authentication', 'token', 'userinfo',
  'introspection', 'other'];
const counts = Object.fromEntries(ENDPOINTS.map((e) => [e, 0]));
const polls = [];
let faults = []; // { endpoint, kind, ms, remaining }
let discoveryOverride = {}; // members replaced in the discovery document
// active introspection answers: members dropped, and a jti derived from the token added
let introspectionShape = { drop: [], jti: false };
let cacheMaxAge = opts.cacheMaxAge;
let enforceInterval = opts.enforceInterval;
const pollState = new Map(); // device_code or auth_req_id -> { last, interval }
const CIBA_GT = 'urn:openid:params:grant-type:ciba';
// CIBA requests as the authentication device saw them: auth_req_id -> { login_hint,
// username, binding_message, scope, created_ms } (triggerAuthenticationDevice)
const cibaRequests = new Map();
let bindingLimit = 20; // POST /ciba/binding-limit
let rotations = 0;

const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

function classify(pathname) {
  switch (pathname) {
    case '/.well-known/openid-configuration': return 'discovery';
    case '/jwks': return 'jwks';
    case '/device/auth': return 'device_authorization';
    case '/backchannel': return 'backchannel_authentication';
    case '/token': return 'token';
    case '/me': return 'userinfo';
    case '/token/introspection': return 'introspection';
    default: return 'other';
  }
}

const SCOPES = ['openid', 'profile', 'email', 'groups'];

// ---------------------------------------------------------------- HTML

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}
input,button{font-size:1.1em;margin:.3em 0;padding:.3em;width:100%;box-sizing:border-box}
.err{color:#b00}.small{font-size:.85em;color:#555}code{font-size:1.4em}</style>
</head><body><h1>${esc(title)}</h1>
${body}
<p class="small">pam_oauth2 test identity provider &mdash; test users only.</p>
</body></html>`;
}

// ---------------------------------------------------------------- provider

let issuer; // set once the HTTPS port is known
let provider;
let providerHandler;

function passwordGrantHandler(p) {
  return async function passwordGrant(ctx) {
    // providers without the password grant (profiles.mjs: Google, ZITADEL)
    if (profile.noPasswordGrant) throw new errors.UnsupportedGrantType('unsupported grant_type requested');
    // GitLab: the password grant only for clients with credentials
    if (profile.passwordNeedsClientSecret && ctx.oidc.client.clientAuthMethod === 'none') {
      throw new errors.InvalidClient('client authentication failed (the password grant needs a confidential client)');
    }
    const { username, password, scope } = ctx.oidc.params;
    if (!username) throw new errors.InvalidRequest("missing required parameter 'username'");
    if (password === undefined) throw new errors.InvalidRequest("missing required parameter 'password'");
    const user = profile.checkPassword ? profile.checkPassword(username, password) : checkPassword(username, password);
    if (!user) throw new errors.InvalidGrant('invalid resource owner credentials');

    const requested = [...new Set(String(scope || 'openid').split(' ').filter(Boolean))];
    const unknown = requested.filter((s) => !SCOPES.includes(s));
    if (unknown.length) throw new errors.InvalidScope('requested scope is not supported', unknown.join(' '));
    const scopeStr = requested.join(' ');

    const { client } = ctx.oidc;
    const grant = new p.Grant({ accountId: user.sub, clientId: client.clientId });
    grant.addOIDCScope(scopeStr);
    const grantId = await grant.save();
    ctx.oidc.entity('Grant', grant);

    const at = new p.AccessToken({
      accountId: user.sub,
      client,
      grantId,
      gty: 'password',
      scope: scopeStr,
    });
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();

    let idToken;
    if (requested.includes('openid')) {
      const token = new p.IdToken({ ...claimsOf(user), auth_time: Math.floor(Date.now() / 1000) }, { ctx });
      token.scope = grant.getOIDCScopeFiltered(new Set(requested));
      token.mask = undefined;
      token.rejected = [];
      idToken = await token.issue({ use: 'idtoken' });
    }

    ctx.body = {
      access_token: accessToken,
      expires_in: at.expiration,
      ...(idToken ? { id_token: idToken } : {}),
      scope: scopeStr,
      token_type: at.tokenType,
    };
  };
}

function buildProvider() {
  const p = new Provider(issuer, {
    adapter: MemoryAdapter,
    jwks: currentJwks(),
    cookies: { keys: cookieKeys },
    clients: [
      {
        client_id: 'pam-public',
        client_name: 'pam_oauth2 (public)',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'password'],
        response_types: [],
        redirect_uris: [],
        id_token_signed_response_alg: 'RS256',
      },
      {
        // the authorization code grant with PKCE (grant = code)
        client_id: 'pam-code',
        client_name: 'pam_oauth2 (code grant)',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: ['https://pam-oauth2.example/callback'],
        id_token_signed_response_alg: 'RS256',
      },
      {
        client_id: 'pam-confidential',
        client_name: 'pam_oauth2 (confidential)',
        client_secret: 'confidential-secret',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'password', ...(opts.ciba ? [CIBA_GT] : [])],
        ...(opts.ciba ? { backchannel_token_delivery_mode: 'poll' } : {}),
        response_types: [],
        redirect_uris: [],
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: 'pam-confidential-post',
        client_name: 'pam_oauth2 (confidential, post)',
        client_secret: 'confidential-secret',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'password', ...(opts.ciba ? [CIBA_GT] : [])],
        ...(opts.ciba ? { backchannel_token_delivery_mode: 'poll' } : {}),
        response_types: [],
        redirect_uris: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    async findAccount(ctx, sub) {
      const user = findBySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() { return claimsOf(user); },
      };
    },
    claims: {
      openid: ['sub', 'groups'],
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: SCOPES,
    // Put scope-granted claims (groups, preferred_username, email...) into the
    // ID token too, not only into the userinfo response.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        ...(profile.userCodeMask ? { mask: profile.userCodeMask } : {}),
        async userCodeInputSource(ctx, form, out, err) {
          let msg = '<p>Enter the code shown on your device.</p>';
          if (err && (err.userCode || err.name === 'NoCodeError')) msg = '<p class="err">The code you entered is incorrect. Try again.</p>';
          else if (err && err.name === 'AbortedError') msg = '<p class="err">The sign-in request was aborted.</p>';
          else if (err) msg = `<p class="err">Error: ${esc(err.message || err.name)}</p>`;
          ctx.type = 'html';
          ctx.body = page('Device sign-in', `${msg}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
        },
        async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
          ctx.type = 'html';
          ctx.body = page('Confirm device', `<p><b>${esc(client.clientName || client.clientId)}</b> wants to sign you in.
Check that your device shows this code:</p><p><code>${esc(userCode)}</code></p>${form}
<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`);
        },
        async successSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Signed in', '<p>Sign-in successful. You can close this page and return to your device.</p>');
        },
      },
      introspection: {
        enabled: true,
        // public clients may only introspect their own tokens (same as the default policy)
        async allowedPolicy(ctx, client, token) {
          return !(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId);
        },
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // CIBA (OpenID Connect Client-Initiated Backchannel Authentication Core
      // 1.0), poll mode only; off with --no-ciba ("an IdP without CIBA").
      ciba: {
        enabled: opts.ciba,
        deliveryModes: ['poll'],
        // login_hint: a user name, an e-mail address or a sub of the user table
        async processLoginHint(ctx, loginHint) {
          return findByLoginHint(loginHint)?.sub;
        },
        // no request_context, no user_code: accepted and ignored
        async validateRequestContext() {},
        async verifyUserCode() {},
        // binding_message: oidc-provider's default rule, made explicit: 1-20
        // characters of [a-zA-Z0-9-._+/!?#], no spaces (the strictest limit
        // docs/ciba.md knows of)
        // POST /ciba/binding-limit lowers the 20 (a provider with a stricter
        // limit: invalid_binding_message).
        async validateBindingMessage(ctx, message) {
          if (message !== undefined && !/^[a-zA-Z0-9-._+/!?#]{1,20}$/.test(message)) {
            throw new errors.InvalidBindingMessage('binding_message must be 1-20 characters of [a-zA-Z0-9-._+/!?#]');
          }
          if (message !== undefined && message.length > bindingLimit) {
            throw new errors.InvalidBindingMessage(`binding_message longer than ${bindingLimit} characters`);
          }
        },
        // The "authentication device": remember the request for the control
        // API, which approves or denies it as the phone would.
        async triggerAuthenticationDevice(ctx, request, account) {
          const user = findBySub(account.accountId);
          cibaRequests.set(request.jti, {
            login_hint: ctx.oidc.params.login_hint ?? null,
            username: user ? user.username : null,
            binding_message: ctx.oidc.params.binding_message ?? null,
            scope: request.scope,
            created_ms: Date.now(),
          });
          log('ciba request', request.jti.slice(0, 8), 'for', user?.username, 'binding', ctx.oidc.params.binding_message);
        },
      },
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: () => opts.codeTtl, // read per code: POST /code-ttl changes it
      ClientCredentials: 600,
      DeviceCode: opts.deviceTtl,
      // requested_expiry shortens it, never lengthens it (CIBA Core 7.1)
      BackchannelAuthenticationRequest(ctx) {
        const req = Number(ctx?.oidc?.params?.requested_expiry);
        return Number.isSafeInteger(req) && req > 0 ? Math.min(opts.cibaTtl, req) : opts.cibaTtl;
      },
      Grant: 86400,
      IdToken: 3600,
      Interaction: 3600,
      Session: 86400,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre>${esc(JSON.stringify(out, null, 2))}</pre>`);
    },
  });

  p.registerGrantType('password', passwordGrantHandler(p), ['username', 'password', 'scope']);

  // Cache-Control for discovery and JWKS, and `interval` in the device
  // authorization response (oidc-provider 9 never sends it itself).
  p.use(async (ctx, next) => {
    await next();
    const ep = classify(ctx.path);
    if ((ep === 'discovery' || ep === 'jwks') && ctx.status === 200) {
      ctx.set('Cache-Control', cacheMaxAge > 0 ? `max-age=${cacheMaxAge}` : 'no-store');
    }
    if (ep === 'device_authorization' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && ctx.body.device_code) {
      ctx.body = { ...ctx.body, interval: opts.interval };
    }
    // CIBA: `interval` is optional (default 5 s); oidc-provider leaves it out
    if (ep === 'backchannel_authentication' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object'
        && ctx.body.auth_req_id) {
      ctx.body = { ...ctx.body, interval: opts.interval };
    }
    // the provider dialect (profiles.mjs): paths, fields, statuses, claims
    profile.rewriteAnswer(ctx, ctx.req.oa2route || {}, ctx.req.oa2grantType);
  });

  p.on('server_error', (ctx, err) => log('server_error', err));
  p.on('grant.error', (ctx, err) => log('grant.error', err.name, err.error_description || err.message,
    err.error_detail || ''));
  return p;
}

function rebuildProvider() {
  provider = buildProvider();
  providerHandler = provider.callback();
}

// ---------------------------------------------------------------- HTTP helpers

function readBody(req, limit = 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, extraHeaders = {}) {
  const body = Buffer.from(`${JSON.stringify(obj)}\n`);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(body);
}

function sendRaw(res, status, type, body, extraHeaders = {}) {
  res.writeHead(status, {
    'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extraHeaders,
  });
  res.end(body);
}

// An answer a profile or a fault makes itself: { status, json } or
// { status, text } (text may be empty: a bare status), headers optional.
function sendAnswer(res, a) {
  if (a.json !== undefined) return sendJson(res, a.status, a.json, a.headers || {});
  return sendRaw(res, a.status, 'text/plain; charset=utf-8', a.text ?? '', a.headers || {});
}

// Replace write/end of res so the complete body can be transformed before it
// is sent (headers are not sent before res.end with Koa's buffered bodies).
function interceptBody(res, transform) {
  const chunks = [];
  const origEnd = res.end;
  res.write = (chunk, enc, cb) => {
    if (chunk) chunks.push(Buffer.from(chunk, typeof enc === 'string' ? enc : undefined));
    if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb();
    return true;
  };
  res.end = (chunk, enc, cb) => {
    if (typeof chunk === 'function') { cb = chunk; chunk = undefined; }
    if (typeof enc === 'function') { cb = enc; enc = undefined; }
    if (chunk) chunks.push(Buffer.from(chunk, typeof enc === 'string' ? enc : undefined));
    const out = transform(Buffer.concat(chunks));
    if (!res.headersSent) res.setHeader('Content-Length', out.length);
    return origEnd.call(res, out, cb);
  };
}

// Keep a copy of (the start of) the response body without changing it.
function teeBody(res, onDone) {
  const chunks = [];
  let n = 0;
  const keep = (chunk, enc) => {
    if (!chunk || typeof chunk === 'function' || n > 65536) return;
    const b = Buffer.from(chunk, typeof enc === 'string' ? enc : undefined);
    n += b.length;
    chunks.push(b);
  };
  const origWrite = res.write;
  const origEnd = res.end;
  res.write = function write(chunk, enc, cb) { keep(chunk, enc); return origWrite.call(this, chunk, enc, cb); };
  res.end = function end(chunk, enc, cb) { keep(chunk, enc); return origEnd.call(this, chunk, enc, cb); };
  res.on('finish', () => onDone(res.statusCode, Buffer.concat(chunks).toString('utf8')));
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function takeFault(ep) {
  const f = faults.find((x) => (x.endpoint === ep || x.endpoint === '*') && x.remaining > 0);
  if (!f) return undefined;
  f.remaining -= 1;
  faults = faults.filter((x) => x.remaining > 0);
  return f;
}

// ---------------------------------------------------------------- browser login

function loginForm(uid, details, error) {
  const hint = details.params.login_hint ? esc(details.params.login_hint) : '';
  return page('Sign in', `${error ? `<p class="err">${esc(error)}</p>` : ''}
<p>Client: <b>${esc(details.params.client_id)}</b></p>
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<input name="username" placeholder="username" value="${hint}" autofocus required>
<input name="password" type="password" placeholder="password" required>
<button type="submit">Sign in</button></form>
<p><a href="/interaction/${esc(uid)}/abort">Cancel</a></p>`);
}

async function autoConsent(req, res, details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant;
  if (details.grantId) grant = await provider.Grant.find(details.grantId);
  if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function handleInteraction(req, res, url) {
  const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|abort))?$/);
  if (!m) return sendRaw(res, 404, 'text/plain', 'not found\n');
  const [, uid, action] = m;
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return sendRaw(res, 400, 'text/plain', 'interaction mismatch\n');
    if (action === 'abort') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'consent') return autoConsent(req, res, details);
    if (details.prompt.name !== 'login') return sendRaw(res, 400, 'text/plain', `unsupported prompt ${details.prompt.name}\n`);
    if (action === 'login' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req, 65536));
      const user = checkPassword(form.get('username') || '', form.get('password') || '');
      if (!user) {
        return sendRaw(res, 200, 'text/html; charset=utf-8', loginForm(uid, details, 'Invalid username or password.'));
      }
      return provider.interactionFinished(req, res, {
        login: { accountId: user.sub, amr: ['pwd'] },
      }, { mergeWithLastSubmission: false });
    }
    return sendRaw(res, 200, 'text/html; charset=utf-8', loginForm(uid, details));
  } catch (e) {
    log('interaction error', e.name, e.message);
    return sendRaw(res, 400, 'text/html; charset=utf-8', page('Error', `<p class="err">${esc(e.message)}</p>`));
  }
}

// ---------------------------------------------------------------- HTTPS front

async function onHttpsRequest(req, res) {
  const t_ms = Date.now();
  let url;
  try {
    url = new URL(req.url, 'https://localhost');
  } catch {
    return sendJson(res, 400, { error: 'invalid_request', error_description: 'bad request target' });
  }
  // A provider's own paths lead to oidc-provider's (profiles.mjs).
  const route = profile.routeRequest(url.pathname);
  if (route.blocked) {
    counts.other += 1;
    return sendJson(res, 404, { error: 'not_found', error_description: `no such endpoint: ${url.pathname}` });
  }
  if (route.path !== url.pathname) req.url = `${route.path}${url.search}`;
  req.oa2route = route;
  const ep = classify(route.path);
  counts[ep] += 1;

  let form;
  if ((ep === 'token' || ep === 'device_authorization' || ep === 'backchannel_authentication') && req.method === 'POST') {
    let raw;
    try {
      raw = await readBody(req, 56 * 1024);
    } catch (e) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: e.message });
    }
    req.body = raw; // oidc-provider uses req.body when the stream was consumed
    form = new URLSearchParams(raw);
  }
  // What a provider answers a device authorization request itself (client_id
  // read from the body only, a rate limit per address: profiles.mjs).
  if (ep === 'device_authorization' && form && profile.deviceRequest) {
    const answer = profile.deviceRequest(form, { address: req.socket.remoteAddress, authorization: req.headers.authorization });
    if (answer) {
      log('device authorization answered by the profile', answer.status);
      return sendAnswer(res, answer);
    }
  }
  if (ep === 'token' && form) {
    const grantType = form.get('grant_type');
    req.oa2grantType = grantType;
    teeBody(res, (status, text) => {
      let error = null;
      try {
        const j = JSON.parse(text);
        if (j && typeof j.error === 'string') error = j.error;
      } catch { /* not JSON */ }
      polls.push({ t_ms, grant_type: grantType, status, error });
      if (polls.length > 10000) polls.shift();
    });
  }

  const fault = takeFault(ep);
  if (fault) {
    log('fault', ep, fault.kind);
    switch (fault.kind) {
      case 'status500':
        return sendJson(res, 500, { error: 'server_error', error_description: 'injected fault: status500' });
      case 'garbage':
        return sendRaw(res, 200, 'application/json; charset=utf-8', '<html><body>502 Bad Gateway</body></html>\n\u0000\u0001garbage{[}');
      case 'oversize': {
        const pad = 'A'.repeat(4 * 1024 * 1024);
        return sendRaw(res, 200, 'application/json; charset=utf-8', `{"error":"none","padding":"${pad}"}`);
      }
      case 'slow_down': // in the profile's dialect (Google: 403, Auth0: 429)
        return sendJson(res, ...profile.errorAnswer('slow_down', 'injected fault: slow_down', form?.get('grant_type'), 400));
      case 'answer':
        // any status with a JSON body (json) or a raw one (text, may be empty),
        // as real providers answer: 403 invalid_grant, 428 authorization_pending,
        // 429 with Retry-After (headers) ...
        return sendAnswer(res, fault);
      case 'slow':
        await sleep(fault.ms || 0);
        break;
      case 'truncated':
        interceptBody(res, (buf) => buf.subarray(0, Math.floor(buf.length / 2)));
        break;
      default:
        break;
    }
  }

  if (ep === 'introspection' && req.method === 'POST'
      && (introspectionShape.drop.length > 0 || introspectionShape.jti)) {
    let raw;
    try {
      raw = await readBody(req, 56 * 1024);
    } catch (e) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: e.message });
    }
    req.body = raw;
    const token = new URLSearchParams(raw).get('token') || '';
    const shape = introspectionShape;
    interceptBody(res, (buf) => {
      let j;
      try {
        j = JSON.parse(buf.toString());
      } catch {
        return buf;
      }
      if (!j || j.active !== true) return buf;
      for (const k of shape.drop) delete j[k];
      // a jti of its own, as providers whose opaque tokens are handles send it
      if (shape.jti) j.jti = `jti-${crypto.createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
      return Buffer.from(JSON.stringify(j));
    });
  }

  if (ep === 'discovery' && Object.keys(discoveryOverride).length > 0) {
    const set = discoveryOverride;
    interceptBody(res, (buf) => Buffer.from(JSON.stringify({ ...JSON.parse(buf.toString()), ...set })));
  }

  const pollKey = form && ep === 'token' && ({
    'urn:ietf:params:oauth:grant-type:device_code': form.get('device_code'),
    [CIBA_GT]: form.get('auth_req_id'),
  })[form.get('grant_type')];
  if (enforceInterval && pollKey) {
    const dc = pollKey;
    const now = Date.now();
    const st = pollState.get(dc);
    if (st && now - st.last < st.interval * 1000 - 100) {
      st.last = now;
      st.interval += 5;
      return sendJson(res, ...profile.errorAnswer('slow_down', `poll interval is now ${st.interval}s`, form.get('grant_type'), 400));
    }
    pollState.set(dc, { last: now, interval: st ? st.interval : opts.interval });
  }

  if (url.pathname.startsWith('/interaction/')) return handleInteraction(req, res, url);
  return providerHandler(req, res);
}

// ---------------------------------------------------------------- device codes

async function findDeviceCode(userCode) {
  if (typeof userCode !== 'string' || !userCode) return undefined;
  return provider.DeviceCode.findByUserCode(normalizeUserCode(userCode), { ignoreExpiration: true });
}

function parseClaimsParam(raw) {
  if (!raw) return undefined;
  try {
    const c = typeof raw === 'string' ? JSON.parse(raw) : raw;
    return c && typeof c === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

async function approveDevice(userCode, username) {
  const user = findByUsername(username);
  if (!user) return [404, { error: 'unknown_user', username }];
  const code = await findDeviceCode(userCode);
  if (!code) return [404, { error: 'unknown_user_code', user_code: userCode }];
  if (code.isExpired) return [410, { error: 'expired', user_code: userCode }];
  if (code.accountId || code.error || code.consumed) return [409, { error: 'already_used', user_code: userCode }];

  const params = code.params || {};
  const requested = String(params.scope || '').split(' ').filter((s) => SCOPES.includes(s));
  const scope = [...new Set(requested)].join(' ');
  const claims = parseClaimsParam(params.claims);

  const grant = new provider.Grant({ accountId: user.sub, clientId: code.clientId });
  if (scope) grant.addOIDCScope(scope);
  if (claims) {
    for (const use of ['id_token', 'userinfo']) {
      if (claims[use] && typeof claims[use] === 'object') grant.addOIDCClaims(Object.keys(claims[use]));
    }
  }
  const grantId = await grant.save();

  Object.assign(code, {
    accountId: user.sub,
    authTime: Math.floor(Date.now() / 1000),
    amr: ['pwd'],
    grantId,
    scope,
  });
  if (claims) code.claims = claims;
  await code.save();
  log('device approved', formatUserCode(code.userCode), 'as', username);
  return [200, {
    ok: true, user_code: formatUserCode(code.userCode), username, sub: user.sub, client_id: code.clientId, scope,
  }];
}

// Make a pending device code expire now (the next poll gets expired_token),
// or forget it entirely (the next poll presents an unknown device code).
async function expireDevice(userCode, forget) {
  const code = await findDeviceCode(userCode);
  if (!code) return [404, { error: 'unknown_user_code', user_code: userCode }];
  const k = userCodeIndex.get(code.userCode);
  const e = k && store.get(k);
  if (!e) return [404, { error: 'unknown_user_code', user_code: userCode }];
  if (forget) {
    store.delete(k);
    userCodeIndex.delete(code.userCode);
  } else {
    e.payload.exp = Math.floor(Date.now() / 1000) - 1;
  }
  log(forget ? 'device code forgotten' : 'device code expired', formatUserCode(code.userCode));
  return [200, { ok: true, user_code: formatUserCode(code.userCode) }];
}

async function denyDevice(userCode) {
  // Dex's approval page has no way to deny: the code runs out instead
  if (profile.noDeviceDenial) return [409, { error: 'no_denial', profile: profile.name }];
  const code = await findDeviceCode(userCode);
  if (!code) return [404, { error: 'unknown_user_code', user_code: userCode }];
  if (code.isExpired) return [410, { error: 'expired', user_code: userCode }];
  if (code.accountId || code.error || code.consumed) return [409, { error: 'already_used', user_code: userCode }];
  Object.assign(code, { error: 'access_denied', errorDescription: 'End-User denied the authorization request' });
  await code.save();
  log('device denied', formatUserCode(code.userCode));
  return [200, { ok: true, user_code: formatUserCode(code.userCode) }];
}

function pendingDeviceCodes() {
  const out = [];
  const now = Date.now();
  for (const [k, e] of store) {
    if (!k.startsWith('DeviceCode:')) continue;
    const p = e.payload;
    if ((e.exp !== undefined && e.exp <= now) || p.accountId || p.error || p.consumed) continue;
    if (p.exp && p.exp * 1000 <= now) continue;
    out.push({
      user_code: formatUserCode(p.userCode),
      client_id: p.clientId,
      scope: p.params?.scope ?? null,
      created_ms: (p.iat || 0) * 1000,
      expires_ms: (p.exp || 0) * 1000,
      in_flight: !!p.inFlight,
    });
  }
  out.sort((a, b) => a.created_ms - b.created_ms); // stable: insertion order within a second
  return out;
}

// ---------------------------------------------------------------- CIBA requests

// A CIBA login_hint names a user by user name, e-mail address or sub, or
// as Auth0 takes it: {"format":"iss_sub","iss":ISSUER,"sub":SUB} (JSON).
function findByLoginHint(hint) {
  if (typeof hint !== 'string' || !hint) return undefined;
  if (hint.startsWith('{')) {
    let h;
    try { h = JSON.parse(hint); } catch { return undefined; }
    const ok = h && h.format === 'iss_sub' && h.iss === issuer && typeof h.sub === 'string' && Object.keys(h).length === 3;
    return ok ? findBySub(h.sub) : undefined;
  }
  return findByUsername(hint) || findBySub(hint) || USERS.find((u) => u.email === hint);
}

// The pending request a control call means: its auth_req_id, else its
// binding_message, else the newest pending one.
async function findCibaRequest(body) {
  const pending = pendingCibaRequests();
  let id;
  if (typeof body.auth_req_id === 'string') id = body.auth_req_id;
  else if (typeof body.binding_message === 'string') id = pending.find((r) => r.binding_message === body.binding_message)?.auth_req_id;
  else id = pending.at(-1)?.auth_req_id;
  if (!id) return undefined;
  return provider.BackchannelAuthenticationRequest.find(id, { ignoreExpiration: true });
}

function cibaCheck(request) {
  if (!request) return [404, { error: 'unknown_auth_req_id' }];
  if (request.isExpired) return [410, { error: 'expired', auth_req_id: request.jti }];
  if (request.grantId || request.error || request.consumed) return [409, { error: 'already_used', auth_req_id: request.jti }];
  return undefined;
}

// Approve as the phone of `username` would (default: the hinted user). A
// user other than the hinted one is "approved by another account": the
// request is re-bound to that account first, so the tokens name it.
async function approveCiba(body) {
  const request = await findCibaRequest(body);
  const bad = cibaCheck(request);
  if (bad) return bad;
  const username = body.username || findBySub(request.accountId)?.username;
  const user = findByUsername(username);
  if (!user) return [404, { error: 'unknown_user', username }];
  if (user.sub !== request.accountId) {
    request.accountId = user.sub;
    await request.save();
  }
  const grant = new provider.Grant({ accountId: user.sub, clientId: request.clientId });
  const scope = String(request.scope || '').split(' ').filter((x) => SCOPES.includes(x)).join(' ');
  if (scope) grant.addOIDCScope(scope);
  await grant.save();
  await provider.backchannelResult(request, grant, { authTime: Math.floor(Date.now() / 1000), amr: ['pwd'] });
  log('ciba approved', request.jti.slice(0, 8), 'as', user.username);
  return [200, {
    ok: true, auth_req_id: request.jti, username: user.username, sub: user.sub, client_id: request.clientId, scope,
  }];
}

async function denyCiba(body) {
  const request = await findCibaRequest(body);
  const bad = cibaCheck(request);
  if (bad) return bad;
  await provider.backchannelResult(request, new errors.AccessDenied('End-User denied the authorization request'));
  log('ciba denied', request.jti.slice(0, 8));
  return [200, { ok: true, auth_req_id: request.jti }];
}

// The request expires now: the next poll gets expired_token.
async function expireCiba(body) {
  const request = await findCibaRequest(body);
  if (!request) return [404, { error: 'unknown_auth_req_id' }];
  const e = store.get(`BackchannelAuthenticationRequest:${request.jti}`);
  if (!e) return [404, { error: 'unknown_auth_req_id' }];
  e.payload.exp = Math.floor(Date.now() / 1000) - 1;
  log('ciba request expired', request.jti.slice(0, 8));
  return [200, { ok: true, auth_req_id: request.jti }];
}

function pendingCibaRequests() {
  const out = [];
  const now = Date.now();
  for (const [id, r] of cibaRequests) {
    const e = store.get(`BackchannelAuthenticationRequest:${id}`);
    const p = e?.payload;
    if (!p || p.grantId || p.error || p.consumed || (p.exp && p.exp * 1000 <= now)) continue;
    out.push({ auth_req_id: id, ...r, client_id: p.clientId, expires_ms: (p.exp || 0) * 1000 });
  }
  out.sort((a, b) => a.created_ms - b.created_ms);
  return out;
}

// ---------------------------------------------------------------- control API

const FAULT_KINDS = ['status500', 'slow', 'garbage', 'truncated', 'oversize', 'slow_down', 'answer'];
const FAULT_ENDPOINTS = [...ENDPOINTS, '*'];

// A user's groups change at the IdP (an administrator removed her from a
// group): every token, ID token and userinfo answer issued afterwards
// carries the new list, in every profile's shape. Tokens issued before keep
// what they were signed with.
function setGroups(body) {
  const user = findByUsername(body.username);
  if (!user) return [404, { error: 'unknown_user' }];
  const { groups } = body;
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g === '')) {
    return [400, { error: 'bad_groups' }];
  }
  user.groups = [...new Set(groups)];
  log('groups of', user.username, 'now', JSON.stringify(user.groups));
  return [200, { ok: true, username: user.username, groups: user.groups }];
}

let httpsServer;
let controlServer;
let shuttingDown = false;

async function controlRoute(method, pathname, query, body) {
  const route = `${method} ${pathname}`;
  switch (route) {
    case 'GET /':
    case 'GET /health':
      return [200, {
        ok: true, issuer, pid: process.pid, interval: opts.interval, device_ttl: opts.deviceTtl, cert: opts.cert,
        profile: profile.name, ciba: opts.ciba, ciba_ttl: opts.cibaTtl,
      }];
    case 'GET /profile':
      return [200, profile.describe()];
    case 'POST /profile/options': {
      if (!body.set || typeof body.set !== 'object' || Array.isArray(body.set)) return [400, { error: 'bad_set' }];
      try {
        profile.setOptions(body.set);
      } catch (e) {
        return [400, { error: 'bad_option', message: e.message }];
      }
      return [200, { ok: true, options: profile.options }];
    }
    case 'POST /device/expire':
      return expireDevice(body.user_code, false);
    case 'POST /device/forget':
      return expireDevice(body.user_code, true);
    case 'POST /device/approve':
      return approveDevice(body.user_code, body.username || 'alice');
    case 'POST /device/deny':
      return denyDevice(body.user_code);
    case 'GET /device/pending': {
      const list = pendingDeviceCodes();
      return [200, query.get('detail') ? list : list.map((x) => x.user_code)];
    }
    case 'POST /ciba/approve':
      return approveCiba(body);
    case 'POST /ciba/deny':
      return denyCiba(body);
    case 'POST /ciba/expire':
      return expireCiba(body);
    case 'GET /ciba/pending':
      return [200, pendingCibaRequests()];
    case 'POST /ciba/binding-limit': {
      const max = body.max === undefined || body.max === null ? 20 : Number(body.max);
      if (!Number.isInteger(max) || max < 1 || max > 20) return [400, { error: 'bad_max' }];
      bindingLimit = max;
      return [200, { ok: true, max }];
    }
    case 'POST /code-ttl': {
      const ttl = Number(body.seconds);
      if (!Number.isInteger(ttl) || ttl < 1) return [400, { error: 'bad_seconds' }];
      opts.codeTtl = ttl;
      return [200, { ok: true, code_ttl: ttl }];
    }
    case 'POST /device/enforce-interval':
      enforceInterval = !!body.enabled;
      pollState.clear();
      return [200, { ok: true, enforce_interval: enforceInterval }];
    case 'GET /counts':
      return [200, counts];
    case 'POST /counts/reset':
      for (const k of ENDPOINTS) counts[k] = 0;
      return [200, { ok: true }];
    case 'GET /polls':
      return [200, polls];
    case 'POST /polls/reset':
      polls.length = 0;
      return [200, { ok: true }];
    case 'GET /fault':
      return [200, faults.map((f) => ({ ...f, remaining: Number.isFinite(f.remaining) ? f.remaining : null }))];
    case 'POST /fault': {
      const endpoint = body.endpoint || '*';
      const { kind } = body;
      if (!FAULT_ENDPOINTS.includes(endpoint)) return [400, { error: 'bad_endpoint', allowed: FAULT_ENDPOINTS }];
      if (!FAULT_KINDS.includes(kind)) return [400, { error: 'bad_kind', allowed: FAULT_KINDS }];
      const count = body.count === undefined || body.count === null ? Infinity : Number(body.count);
      if (!(count > 0)) return [400, { error: 'bad_count' }];
      const ms = Number(body.ms ?? (kind === 'slow' ? 5000 : 0));
      const f = { endpoint, kind, ms, remaining: count };
      if (kind === 'answer') {
        f.status = Number(body.status);
        if (!Number.isInteger(f.status) || f.status < 200 || f.status > 599) return [400, { error: 'bad_status' }];
        if (body.json !== undefined) f.json = body.json;
        else if (body.text === undefined || typeof body.text === 'string') f.text = body.text ?? '';
        else return [400, { error: 'bad_text' }];
        if (body.headers !== undefined) {
          const ok = body.headers && typeof body.headers === 'object'
            && Object.values(body.headers).every((v) => typeof v === 'string');
          if (!ok) return [400, { error: 'bad_headers' }];
          f.headers = body.headers;
        }
      }
      faults.push(f);
      return [200, { ok: true, endpoint, kind, ms, count: Number.isFinite(count) ? count : null }];
    }
    case 'POST /fault/clear':
      faults = [];
      return [200, { ok: true }];
    case 'POST /discovery-override': {
      if (!body.set || typeof body.set !== 'object' || Array.isArray(body.set)) return [400, { error: 'bad_set' }];
      discoveryOverride = body.set;
      return [200, { ok: true, set: discoveryOverride }];
    }
    case 'POST /introspection-shape': {
      const drop = body.drop === undefined ? [] : body.drop;
      if (!Array.isArray(drop) || drop.some((k) => typeof k !== 'string')) return [400, { error: 'bad_drop' }];
      if (body.jti !== undefined && typeof body.jti !== 'boolean') return [400, { error: 'bad_jti' }];
      introspectionShape = { drop, jti: body.jti === true };
      return [200, { ok: true, ...introspectionShape }];
    }
    case 'POST /cache-control': {
      const n = Number(body.max_age);
      if (!Number.isInteger(n) || n < 0) return [400, { error: 'bad_max_age' }];
      cacheMaxAge = n;
      return [200, { ok: true, max_age: n }];
    }
    case 'POST /sign': {
      const alg = body.alg || 'RS256';
      const kty = { RS256: 'RSA', ES256: 'EC' }[alg];
      if (!kty) return [400, { error: 'bad_alg', allowed: ['RS256', 'ES256'] }];
      const header = body.header && typeof body.header === 'object' ? body.header : {};
      let claims = body.claims && typeof body.claims === 'object' ? body.claims : {};
      if (body.payload !== undefined) {
        if (typeof body.payload !== 'string') return [400, { error: 'bad_payload' }];
        claims = body.payload;
      }
      return [200, { jws: signJws(kty, header, claims), kid: signingKeys[kty][0].kid }];
    }
    case 'GET /keys':
      return [200, {
        active: { RSA: signingKeys.RSA[0].kid, EC: signingKeys.EC[0].kid },
        kids: [...signingKeys.RSA, ...signingKeys.EC].map((k) => k.kid),
      }];
    case 'POST /keys/rotate': {
      const kty = body.kty || 'RSA';
      if (!['RSA', 'EC'].includes(kty)) return [400, { error: 'bad_kty', allowed: ['RSA', 'EC'] }];
      const k = await newKey(kty);
      rebuildProvider();
      rotations += 1;
      log('rotated', kty, 'key; active kid', k.kid);
      return [200, { ok: true, kid: k.kid, kids: currentJwks().keys.map((x) => x.kid) }];
    }
    case 'GET /users':
      return [200, USERS.map((u) => ({ username: u.username, sub: u.sub, groups: u.groups }))];
    case 'POST /users/groups':
      return setGroups(body);
    case 'POST /shutdown':
      setImmediate(() => shutdown(0));
      return [200, { ok: true }];
    default:
      return [404, { error: 'not_found', route }];
  }
}

async function onControlRequest(req, res) {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    let body = {};
    if (req.method === 'POST') {
      const raw = await readBody(req, 65536);
      if (raw.trim()) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJson(res, 400, { error: 'bad_json' });
        }
        if (!body || typeof body !== 'object') body = {};
      }
    }
    const [status, obj] = await controlRoute(req.method, url.pathname, url.searchParams, body);
    return sendJson(res, status, obj);
  } catch (e) {
    log('control error', e);
    return sendJson(res, 500, { error: 'internal', message: e.message });
  }
}

// ---------------------------------------------------------------- start / stop

function writeEnvAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  log('shutting down');
  try { fs.unlinkSync(path.join(STATE, 'idp.env')); } catch { /* gone */ }
  for (const s of [httpsServer, controlServer]) {
    if (!s) continue;
    s.close();
    s.closeAllConnections?.();
  }
  // give the answer to POST /shutdown a moment to leave, then exit
  setTimeout(() => process.exit(code), 50);
}

const listen = (server, port = 0) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', () => resolve(server.address().port));
});

// A test that crashes cannot stop us: when IDP_PARENT_PID names a process,
// exit as soon as it is gone.
function watchParent() {
  const parent = Number(process.env.IDP_PARENT_PID || 0);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    try { process.kill(parent, 0); } catch { log(`parent ${parent} is gone`); shutdown(0); }
  }, 500);
  timer.unref();
}

async function main() {
  watchParent();
  const certName = opts.cert === 'expired' ? 'expired' : 'server';
  const tls = {
    cert: fs.readFileSync(path.join(STATE, `${certName}.pem`)),
    key: fs.readFileSync(path.join(STATE, `${certName}-key.pem`)),
  };
  httpsServer = https.createServer(tls, (req, res) => {
    onHttpsRequest(req, res).catch((e) => {
      log('request error', e);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'internal error' });
      else res.destroy();
    });
  });
  const port = await listen(httpsServer, opts.port);
  issuer = `https://localhost:${port}`;
  profile.setOrigin(issuer);
  log(`https listening on ${port}`);
  rebuildProvider();
  log('provider built');

  controlServer = http.createServer((req, res) => { onControlRequest(req, res); });
  const cport = await listen(controlServer);

  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  writeEnvAtomically(path.join(STATE, 'idp.env'), [
    `IDP_ISSUER=${issuer}`,
    `IDP_PORT=${port}`,
    `IDP_CONTROL=http://127.0.0.1:${cport}`,
    `IDP_CA=${path.join(STATE, 'ca.pem')}`,
    `IDP_PID=${process.pid}`,
    `IDP_PROFILE=${profile.name}`,
    `IDP_DISCOVERY=${profile.describe().servers[0]?.endpoints.discovery ?? `${issuer}/.well-known/openid-configuration`}`,
    ...profile.describe().servers.map((s) => `IDP_ISSUER_${s.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=${s.issuer}`),
    '',
  ].join('\n'));
  log(`ready: profile ${profile.name}, issuer ${issuer}, control http://127.0.0.1:${cport}, interval ${opts.interval}s, device ttl ${opts.deviceTtl}s, cert ${opts.cert}`);
}

main().catch((e) => {
  console.error('server.mjs: start-up failed:', e);
  process.exit(1);
});
