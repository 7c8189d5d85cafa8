// Provider dialect profiles of the test IdP: how real providers answer, from
// their public documentation, reproduced as a layer in front of oidc-provider.
//
// A profile has one or more authorization servers ("servers"), each with its
// issuer and its own endpoint paths. server.mjs routes a request on a
// profile path to oidc-provider's own path (routeRequest), and rewrites what
// oidc-provider answers (rewriteAnswer): the discovery document, the JWKS,
// the device authorization answer, token answers and errors (status codes,
// error names), ID tokens (claims reshaped and re-signed with the active key,
// with the profile's issuer), userinfo and introspection answers.
//
// The `standard` profile is the provider as it is: nothing is rewritten.
// Sources for every quirk are listed in README.md ("Profiles").

// oidc-provider's own paths (see server.mjs)
export const INTERNAL = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  device_authorization: '/device/auth',
  token: '/token',
  userinfo: '/me',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  verification: '/device',
};
const API = ['discovery', 'jwks', 'device_authorization', 'token', 'userinfo', 'introspection', 'revocation'];

// Options any profile takes (POST /profile/options or --profile-option):
// what servers send beyond the RFCs.
const COMMON_OPTIONS = {
  numbers_as_strings: false, // "expires_in": "900", "interval": "5" (Azure AD v1 did)
  token_type: '', // e.g. "bearer": token_type in another case
  no_interval: false, // device answer without interval (RFC 8628: then 5 s)
  extra_members: false, // unknown members in every JSON answer
};

// ---------------------------------------------------------------- test data

// Per profile and user: what that provider would call the test users.
const GUID_USERS = '0b5f7a2e-3c41-4d6b-9e8f-6a7b8c9d0e01';
const GUID_ADMINS = '0b5f7a2e-3c41-4d6b-9e8f-6a7b8c9d0e02';
export const ENTRA_TID = '5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69';
// The tenant of personal Microsoft accounts: the consumers endpoints' one
// fixed issuer (learn.microsoft.com/entra/identity-platform/id-token-claims-reference,
// "tid": "9188040d-6c67-4c5b-b112-36a304b66dad" for consumer users).
export const ENTRA_CONSUMERS_TID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const ZITADEL_ORG = '263452345012345600';
const ZITADEL_PROJECT = '263452345012345611';

const SERIAL = {
  alice: 0, bob: 1, carol: 2, daemon: 3, mallory: 4,
};
const serial = (u) => SERIAL[u.username] ?? 9;
const hex = (n, w) => n.toString(16).padStart(w, '0');

const googleSub = (u) => `11024849592123898642${serial(u)}`;
// Google Workspace users carry hd; carol is a personal account with an
// unverified address outside the domain.
const googleEmail = (u) => (u.username === 'carol' ? 'carol@mail.example.net' : `${u.username}@example.com`);
const googleHd = (u) => (u.username === 'carol' ? undefined : 'example.com');

// Entra: the UPN, in whatever case it was created.
const entraUpn = (u) => (u.username === 'bob' ? 'Bob@Contoso.example' : `${u.username}@contoso.example`);
const entraOid = (u) => `a3c1e5f7-0d2b-4e6a-8c9b-${hex(0x1000 + serial(u), 12)}`;
// pairwise per application, opaque
const entraSub = (u) => `AAAAAAAAAAAAAAAAAAAAAJkzqFVrSaSaFHy782bbt${'ABCDE'[serial(u)] || 'Z'}Q`;
const entraGroups = (u) => u.groups.map((g) => (g === 'admins' ? GUID_ADMINS : GUID_USERS));

const okUser = (u) => `00u1a2b3c4d5E6F7g${serial(u)}h9`;
const zitadelSub = (u) => `26345234501234567${serial(u)}`;
const zitadelRoles = (u) => Object.fromEntries(u.groups.map((g) => [g, { [ZITADEL_ORG]: 'acme.example' }]));

// The claims every profile starts from: the protocol claims oidc-provider
// put into the ID token it signed, with the profile's issuer.
function protocolClaims(base, iss) {
  const out = { iss };
  for (const k of ['sub', 'aud', 'exp', 'iat', 'auth_time', 'at_hash', 'nonce', 'azp']) {
    if (base[k] !== undefined) out[k] = base[k];
  }
  return out;
}

// A device authorization request whose client_id is not in the form body.
// The body alone counts: an Authorization header does not name the client
// for these servers.
const noBodyClientId = (form) => !form.get('client_id');

// A per-address limit of device authorization requests in the last hour
// (authentik's AnonRateThrottle); state lives in the profile instance.
function overLimit(state, address, perHour) {
  const now = Date.now();
  const list = (state.get(address) || []).filter((t) => now - t < 3600 * 1000);
  const over = list.length >= perHour;
  if (!over) list.push(now);
  state.set(address, list);
  return over;
}

// ---------------------------------------------------------------- profiles

// server(paths) helper: paths relative to the origin.
const PROFILES = {
  standard: { servers: [] },

  // Google: OAuth 2.0 for TV and Limited-Input Device Applications,
  // OpenID Connect (developers.google.com/identity/openid-connect/openid-connect).
  google: {
    alg: 'RS256',
    options: { iss_no_scheme: false },
    servers: [{
      id: 'google',
      issuerPath: '',
      paths: {
        discovery: '/.well-known/openid-configuration',
        device_authorization: '/device/code',
        token: '/token',
        jwks: '/oauth2/v3/certs',
        userinfo: '/v1/userinfo',
        revocation: '/revoke',
        verification: '/device',
      },
    }],
    sub: googleSub,
    noPasswordGrant: true,
    device(body) {
      // verification_url, no verification_uri(_complete)
      const out = {
        device_code: body.device_code,
        user_code: body.user_code,
        expires_in: body.expires_in,
        interval: body.interval,
        verification_url: body.verification_uri,
      };
      return out;
    },
    tokenErrors: {
      authorization_pending: [428, 'Precondition Required'],
      slow_down: [403, 'Forbidden'],
      access_denied: [403, 'Forbidden'],
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.options.iss_no_scheme ? ctx.issuer.replace(/^https:\/\//, '') : ctx.issuer);
      c.azp = base.aud;
      c.sub = googleSub(u);
      const hd = googleHd(u);
      if (hd) c.hd = hd;
      c.email = googleEmail(u);
      c.email_verified = u.username !== 'carol';
      c.name = u.name;
      c.given_name = u.name.split(' ')[0];
      c.family_name = u.name.split(' ').slice(1).join(' ');
      c.picture = `https://lh3.googleusercontent.example/a/${u.username}`;
      return c;
    },
    userinfo(body, u) {
      const out = {
        sub: googleSub(u), name: u.name, email: googleEmail(u), email_verified: u.username !== 'carol',
      };
      const hd = googleHd(u);
      if (hd) out.hd = hd;
      return out;
    },
  },

  // Microsoft identity platform (Entra ID) v2.0: device code flow, ROPC,
  // ID token claims reference, groups overage, signing key metadata.
  entra: {
    alg: 'RS256',
    // live answers: user codes of 8 characters, expires_in a number
    // (observed; the v2.0 device code documentation shows the shape)
    userCodeMask: '********',
    options: { groups_overage: false },
    servers: [
      {
        id: 'tenant',
        issuerPath: `/${ENTRA_TID}/v2.0`,
        paths: {
          discovery: `/${ENTRA_TID}/v2.0/.well-known/openid-configuration`,
          device_authorization: `/${ENTRA_TID}/oauth2/v2.0/devicecode`,
          token: `/${ENTRA_TID}/oauth2/v2.0/token`,
          jwks: `/${ENTRA_TID}/discovery/v2.0/keys`,
          userinfo: '/oidc/userinfo',
          verification: '/devicelogin',
        },
      },
      {
        // multi-tenant: the discovery document names a template issuer
        id: 'organizations',
        issuerPath: `/${ENTRA_TID}/v2.0`,
        discoveryIssuerPath: '/{tenantid}/v2.0',
        paths: {
          discovery: '/organizations/v2.0/.well-known/openid-configuration',
          device_authorization: '/organizations/oauth2/v2.0/devicecode',
          token: '/organizations/oauth2/v2.0/token',
          jwks: '/organizations/discovery/v2.0/keys',
          userinfo: '/oidc/userinfo',
          verification: '/devicelogin',
        },
      },
      {
        // personal Microsoft accounts: the discovery document of
        // /consumers/v2.0 names the fixed issuer of their tenant, not a
        // template (login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration)
        id: 'consumers',
        issuerPath: `/${ENTRA_CONSUMERS_TID}/v2.0`,
        paths: {
          discovery: '/consumers/v2.0/.well-known/openid-configuration',
          device_authorization: '/consumers/oauth2/v2.0/devicecode',
          token: '/consumers/oauth2/v2.0/token',
          jwks: '/consumers/discovery/v2.0/keys',
          userinfo: '/oidc/userinfo',
          verification: '/devicelogin',
        },
      },
    ],
    sub: entraSub,
    discovery(doc, ctx) {
      doc.tenant_region_scope = 'EU';
      doc.cloud_instance_name = 'microsoftonline.example';
      if (ctx.server.id === 'organizations') doc.tenant_region_scope = null;
      return doc;
    },
    device(body) {
      return {
        user_code: body.user_code,
        device_code: body.device_code,
        verification_uri: body.verification_uri,
        expires_in: body.expires_in,
        interval: body.interval,
        message: `To sign in, use a web browser to open the page ${body.verification_uri} and enter the code ${body.user_code} to authenticate.`,
      };
    },
    tokenErrors: {
      authorization_pending: [400, 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.', 70016],
      expired_token: [400, 'AADSTS70019: Verification code expired.', 70019],
      access_denied: [400, 'The end user denied the authorization request.', undefined, 'authorization_declined'],
      // an unknown device_code
      'invalid_grant:device': [400, 'The device_code sent to the token endpoint was not recognised.', undefined, 'bad_verification_code'],
      'invalid_grant:password': [400, "AADSTS50126: Error validating credentials due to invalid username or password.", 50126],
    },
    errorExtra() {
      return {
        timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        trace_id: '0c8f2b1a-3d4e-4f5a-9b6c-7d8e9f0a1b2c',
        correlation_id: '1d9e3c2b-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
      };
    },
    jwksKey(k, ctx) {
      // no alg; x5t, x5c and the issuer the key serves
      const cert = ctx.certFor(k.kid);
      const out = {
        kty: k.kty, use: 'sig', kid: k.kid, x5t: cert.x5t, n: k.n, e: k.e, x5c: [cert.x5c],
      };
      out.issuer = ctx.server.id === 'organizations'
        ? `${ctx.origin}/{tenantid}/v2.0` : `${ctx.origin}${ctx.server.issuerPath}`;
      return out;
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      delete c.at_hash;
      delete c.auth_time;
      c.nbf = c.iat;
      c.aio = 'E2ZgYGhW0rK7f9o4t2+lB9ZS1x8wAA==';
      c.name = u.name;
      c.oid = entraOid(u);
      c.preferred_username = entraUpn(u);
      c.rh = '0.AXkAHIr9XTt7nEymDx4tPEtaaQ.';
      c.sub = entraSub(u);
      c.tid = ctx.server.id === 'consumers' ? ENTRA_CONSUMERS_TID : ENTRA_TID;
      c.uti = 'fPB6oQ1RUEq7nV9Wb2mJAA';
      c.ver = '2.0';
      if (ctx.options.groups_overage) {
        c._claim_names = { groups: 'src1' };
        c._claim_sources = { src1: { endpoint: `https://graph.microsoft.example/v1.0/users/${c.oid}/getMemberObjects` } };
      } else {
        c.groups = entraGroups(u);
      }
      return c;
    },
    userinfo(body, u) {
      return {
        sub: entraSub(u), name: u.name, family_name: u.name.split(' ').slice(1).join(' '), given_name: u.name.split(' ')[0],
        picture: 'https://graph.microsoft.example/v1.0/me/photo/$value', email: `${u.username}@contoso.example`,
      };
    },
  },

  // Auth0: Authentication API (device flow, resource owner password),
  // custom claims must be namespaced. nickname is, for database users, the
  // local part of the e-mail address (auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure):
  // not unique across domains, and not controlled by the tenant for social
  // logins. A Post Login Action adds what the guide maps instead:
  // https://example.com/username from app_metadata.linux_user (set by an
  // administrator, never by the user:
  // auth0.com/docs/manage-users/user-accounts/metadata), and the groups.
  auth0: {
    alg: 'RS256',
    trailingSlash: true,
    servers: [{
      id: 'tenant',
      issuerPath: '/',
      paths: {
        discovery: '/.well-known/openid-configuration',
        device_authorization: '/oauth/device/code',
        token: '/oauth/token',
        jwks: '/.well-known/jwks.json',
        userinfo: '/userinfo',
        revocation: '/oauth/revoke',
        verification: '/activate',
      },
    }],
    sub: (u) => `auth0|65f0c0a1b2c3d4e5f6a7b80${serial(u)}`,
    tokenErrors: {
      authorization_pending: [403, 'User has yet to authorize device code.'],
      slow_down: [429, 'You are polling faster than the specified interval of 1 seconds.'],
      expired_token: [403, 'The device_code has expired.'],
      access_denied: [403, 'The user denied the authorization request.'],
      'invalid_grant:password': [403, 'Wrong email or password.'],
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.sub = ctx.profile.sub(u);
      c.nickname = u.username;
      c.name = u.email.replace('example.test', 'example.com');
      c.picture = `https://s.gravatar.example/avatar/${u.username}.png`;
      c.updated_at = '2025-01-15T09:30:00.000Z';
      c.email = u.email.replace('example.test', 'example.com');
      c.email_verified = u.email_verified;
      c['https://example.com/groups'] = [...u.groups];
      c['https://example.com/username'] = u.username;
      c.sid = 'dGhpcy1pcy1hLXNlc3Npb24taWQ';
      return c;
    },
    userinfo(body, u, ctx) {
      return {
        sub: ctx.profile.sub(u), nickname: u.username, name: u.email.replace('example.test', 'example.com'),
        email: u.email.replace('example.test', 'example.com'), email_verified: u.email_verified,
        'https://example.com/groups': [...u.groups],
      };
    },
  },

  // Okta: org authorization server (/oauth2/v1) and a custom one
  // (/oauth2/default/v1, issuer with /oauth2/default). ID tokens that come
  // with an access token from the token endpoint are "thin" on the org
  // server: of the profile claims only preferred_username and name (with
  // the profile scope), e-mail and groups only from userinfo
  // (developer.okta.com/docs/reference/api/oidc, "ID token claims":
  // "thin ID token" ... "preferred_username", "name" are base claims of
  // the profile scope; developer.okta.com/docs/guides/customize-tokens-groups-claim:
  // the org server's groups claim is in the ID token only without an
  // access token, otherwise from /userinfo).
  okta: {
    alg: 'RS256',
    servers: [
      {
        id: 'org',
        issuerPath: '',
        paths: {
          discovery: '/.well-known/openid-configuration',
          device_authorization: '/oauth2/v1/device/authorize',
          token: '/oauth2/v1/token',
          jwks: '/oauth2/v1/keys',
          userinfo: '/oauth2/v1/userinfo',
          introspection: '/oauth2/v1/introspect',
          revocation: '/oauth2/v1/revoke',
          verification: '/activate',
        },
      },
      {
        id: 'default',
        issuerPath: '/oauth2/default',
        paths: {
          discovery: '/oauth2/default/.well-known/openid-configuration',
          device_authorization: '/oauth2/default/v1/device/authorize',
          token: '/oauth2/default/v1/token',
          jwks: '/oauth2/default/v1/keys',
          userinfo: '/oauth2/default/v1/userinfo',
          introspection: '/oauth2/default/v1/introspect',
          revocation: '/oauth2/default/v1/revoke',
          verification: '/activate',
        },
      },
    ],
    sub: okUser,
    tokenErrors: {
      'invalid_grant:password': [400, 'The credentials provided were invalid.'],
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.sub = okUser(u);
      c.ver = 1;
      c.jti = 'ID.4eAWJOCMB3SX8XewDfVR';
      c.amr = ['pwd'];
      c.idp = '00o1a2b3c4d5E6F7g8h9';
      c.name = u.name;
      c.preferred_username = `${u.username}@example.com`;
      if (ctx.server.id === 'org') return c; // thin ID token
      c.email = `${u.username}@example.com`;
      c.groups = [...u.groups];
      return c;
    },
    userinfo(body, u) {
      return {
        sub: okUser(u), name: u.name, preferred_username: `${u.username}@example.com`,
        email: `${u.username}@example.com`, email_verified: u.email_verified, groups: [...u.groups],
        zoneinfo: 'America/Los_Angeles', updated_at: 1736933400,
      };
    },
  },

  // Keycloak: realm path, protocol/openid-connect endpoints, roles in
  // realm_access / resource_access, typ "ID", an encryption key in the JWKS,
  // 401 for wrong user credentials.
  keycloak: {
    alg: 'RS256',
    encKey: true,
    servers: [{
      id: 'realm',
      issuerPath: '/realms/corp',
      paths: {
        discovery: '/realms/corp/.well-known/openid-configuration',
        device_authorization: '/realms/corp/protocol/openid-connect/auth/device',
        token: '/realms/corp/protocol/openid-connect/token',
        jwks: '/realms/corp/protocol/openid-connect/certs',
        userinfo: '/realms/corp/protocol/openid-connect/userinfo',
        introspection: '/realms/corp/protocol/openid-connect/token/introspect',
        revocation: '/realms/corp/protocol/openid-connect/revoke',
        verification: '/realms/corp/device',
      },
    }],
    sub: (u) => u.sub,
    tokenErrors: {
      'invalid_grant:password': [401, 'Invalid user credentials'],
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.jti = 'f0a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b';
      c.typ = 'ID';
      c.azp = base.aud;
      c.sid = '7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b';
      c.acr = '1';
      c.email_verified = u.email_verified;
      c.name = u.name;
      c.preferred_username = u.username;
      c.given_name = u.name.split(' ')[0];
      c.family_name = u.name.split(' ').slice(1).join(' ');
      c.email = u.email;
      c.realm_access = { roles: ['default-roles-corp', 'offline_access', 'uma_authorization', ...u.groups] };
      c.resource_access = {
        [base.aud]: { roles: u.groups.includes('admins') ? ['linux-admins'] : ['linux-users'] },
        account: { roles: ['manage-account', 'view-profile'] },
      };
      return c;
    },
    userinfo(body, u) {
      return {
        sub: u.sub, email_verified: u.email_verified, name: u.name, preferred_username: u.username, email: u.email,
      };
    },
  },

  // authentik: per-application issuer with a trailing slash, shared
  // endpoints under /application/o/. The discovery document always lists
  // the device endpoint (authentik/providers/oauth2/views/provider.py puts
  // device_authorization_endpoint into every provider's document); without
  // a device code flow on the brand only the verification page fails. The
  // device endpoint (authentik/providers/oauth2/views/device_backchannel.py)
  // reads client_id from the form body alone and answers a bare 400 without
  // it (HTTP Basic is not looked at), and is throttled per client address
  // by an AnonRateThrottle of "20/hour" (config throttle.providers.oauth2.device)
  // answered with a bare 429 (no body, no Retry-After): option
  // device_per_hour. Password grant only with an app password
  // (docs.goauthentik.io/add-secure-apps/providers/oauth2, "client_credentials":
  // grant_type=password treated like client credentials).
  authentik: {
    alg: 'RS256',
    options: { device_per_hour: '20' },
    servers: [{
      id: 'linux-login',
      issuerPath: '/application/o/linux-login/',
      paths: {
        discovery: '/application/o/linux-login/.well-known/openid-configuration',
        device_authorization: '/application/o/device/',
        token: '/application/o/token/',
        jwks: '/application/o/linux-login/jwks/',
        userinfo: '/application/o/userinfo/',
        introspection: '/application/o/introspect/',
        revocation: '/application/o/revoke/',
        verification: '/if/flow/device/',
      },
    }],
    sub: (u) => `a${hex(0x5e1f00 + serial(u), 63)}`,
    checkPassword(username, password, users) {
      const u = users.find((x) => x.username === username);
      return u && password === `${username}-app-password` ? u : undefined;
    },
    deviceRequest(form, meta, ctx) {
      // the throttle runs first (DeviceView.dispatch), then the body
      if (overLimit(ctx.state.device, meta.address, Number(ctx.options.device_per_hour))) return { status: 429, text: '' };
      if (noBodyClientId(form)) return { status: 400, text: '' };
      return undefined;
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.sub = ctx.profile.sub(u);
      c.acr = 'goauthentik.io/providers/oauth2/default';
      c.amr = ['pwd'];
      c.email = u.email;
      c.email_verified = true;
      c.name = u.name;
      c.given_name = u.name;
      c.preferred_username = u.username;
      c.nickname = u.username;
      c.groups = [...u.groups];
      return c;
    },
    userinfo(body, u, ctx) {
      return {
        sub: ctx.profile.sub(u), email: u.email, email_verified: true, name: u.name,
        preferred_username: u.username, nickname: u.username, groups: [...u.groups],
      };
    },
  },

  // GitLab (doorkeeper, doorkeeper-openid_connect): device grant at
  // /oauth/authorize_device (docs.gitlab.com/api/oauth2, "Device
  // authorization grant flow": 17.1, flag oauth2_device_grant_flow on by
  // default from 17.3, generally available in 17.9). The discovery
  // document has no device_authorization_endpoint: doorkeeper-openid_connect's
  // discovery controller (app/controllers/doorkeeper/openid_connect/discovery_controller.rb)
  // knows no such key (option device_in_discovery adds it). The ID token
  // carries only sub, sub_legacy, email, email_verified and groups_direct
  // besides the protocol claims; name, nickname, preferred_username, profile,
  // picture and groups come from userinfo alone (gitlabhq
  // doc/integration/openid_connect_provider.md, config/initializers/doorkeeper_openid_connect.rb:
  // claims without response: [:id_token] default to the userinfo answer).
  // The password grant is refused for clients without credentials (GitLab.com
  // since 2025-04-08, new applications from 18.3, Self-Managed from 19.0:
  // docs.gitlab.com/api/oauth2, "Resource owner password credentials flow");
  // doorkeeper answers 401 invalid_client.
  gitlab: {
    alg: 'RS256',
    options: { device_in_discovery: false, userinfo_sub: '' },
    passwordNeedsClientSecret: true,
    servers: [{
      id: 'gitlab',
      issuerPath: '',
      paths: {
        discovery: '/.well-known/openid-configuration',
        device_authorization: '/oauth/authorize_device',
        token: '/oauth/token',
        jwks: '/oauth/discovery/keys',
        userinfo: '/oauth/userinfo',
        revocation: '/oauth/revoke',
        verification: '/oauth/device',
      },
    }],
    sub: (u) => String(42 + serial(u)),
    discovery(doc, ctx) {
      if (!ctx.options.device_in_discovery) delete doc.device_authorization_endpoint;
      return doc;
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.sub = ctx.profile.sub(u);
      c.sub_legacy = `2ff7d8ab${hex(serial(u), 56)}`;
      c.email = u.email;
      c.email_verified = u.email_verified;
      c.groups_direct = u.groups.map((g) => `corp/${g}`);
      return c;
    },
    userinfo(body, u, ctx) {
      // option userinfo_sub: another sub than the ID token's (a broken or
      // hostile server): the module must refuse
      const sub = ctx.options.userinfo_sub || ctx.profile.sub(u);
      return {
        sub, sub_legacy: `2ff7d8ab${hex(serial(u), 56)}`, name: u.name, nickname: u.username,
        preferred_username: u.username, email: u.email, email_verified: u.email_verified,
        profile: `${ctx.origin}/${u.username}`, picture: `${ctx.origin}/uploads/-/system/user/avatar/${serial(u)}/avatar.png`,
        groups: ['corp', ...u.groups.map((g) => `corp/${g}`)],
      };
    },
  },

  // Dex: issuer with a path, device authorization at {issuer}/device/code,
  // sub an encoded (user id, connector) pair. groups are in the tokens and
  // in userinfo only for the groups scope, federated_claims only for
  // federated:id (server/oauth2.go, the claims of an ID token per scope).
  // The device request (server/deviceflowhandlers.go handleDeviceCode) reads
  // client_id and client_secret from the form body only and keeps them;
  // the approval later looks the client up by that client_id and compares
  // the secret, failing with "Invalid client credentials." (401
  // invalid_client). The profile refuses such a request at once with that
  // answer (the real server hands out a code nobody can approve, and the
  // login runs out). Polls: pending 401 authorization_pending, slow_down
  // 400, expired 400 expired_token, an unknown code 400 invalid_request
  // "Invalid Device code."; the approval page has no way to deny, so a
  // login that is not approved ends as an expiry. Password grant
  // (server/grant_password.go, oauth2.passwordConnector): a wrong password
  // is 401 access_denied "Invalid username or password".
  dex: {
    alg: 'RS256',
    noDeviceDenial: true,
    servers: [{
      id: 'dex',
      issuerPath: '/dex',
      paths: {
        discovery: '/dex/.well-known/openid-configuration',
        device_authorization: '/dex/device/code',
        token: '/dex/token',
        jwks: '/dex/keys',
        userinfo: '/dex/userinfo',
        verification: '/dex/device',
      },
    }],
    sub: (u) => Buffer.concat([Buffer.from([0x0a, u.sub.length]), Buffer.from(u.sub), Buffer.from([0x12, 5]), Buffer.from('local')]).toString('base64url'),
    deviceRequest(form, meta) {
      const confidential = (meta.authorization || '').startsWith('Basic ') || form.get('client_secret');
      if (noBodyClientId(form) || (confidential && !form.get('client_secret'))) {
        return { status: 401, json: { error: 'invalid_client', error_description: 'Invalid client credentials.' } };
      }
      return undefined;
    },
    tokenErrors: {
      authorization_pending: [401, ''],
      slow_down: [400, ''],
      expired_token: [400, ''],
      'invalid_grant:device': [400, 'Invalid Device code.', undefined, 'invalid_request'],
      'invalid_grant:password': [401, 'Invalid username or password', undefined, 'access_denied'],
    },
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.sub = ctx.profile.sub(u);
      c.email = u.email;
      c.email_verified = u.email_verified;
      if (ctx.scopes.includes('groups')) c.groups = [...u.groups];
      c.name = u.name;
      c.preferred_username = u.username;
      if (ctx.scopes.includes('federated:id')) c.federated_claims = { connector_id: 'local', user_id: u.sub };
      return c;
    },
    userinfo(body, u, ctx) {
      const out = {
        sub: ctx.profile.sub(u), name: u.name, preferred_username: u.username, email: u.email,
        email_verified: u.email_verified,
      };
      if (ctx.scopes.includes('groups')) out.groups = [...u.groups];
      return out;
    },
  },

  // ZITADEL: /oauth/v2 and /oidc/v1 endpoints, roles as an object keyed by
  // role name, two audiences (client and project), no password grant. The
  // ID token carries the profile and e-mail claims (name, email,
  // preferred_username, locale ...) only when the application asks for
  // "User Info inside ID Token" (idTokenUserinfoAssertion; option
  // userinfo_in_id_token), the roles only with "User roles inside ID Token"
  // (idTokenRoleAssertion; on here, as the guide says): both otherwise only
  // from userinfo (zitadel.com/docs/apis/openidoauth/claims, "Standard
  // claims" and "Reserved claims"; zitadel.com/docs/guides/manage/console/applications,
  // token settings).
  zitadel: {
    alg: 'RS256',
    options: { userinfo_in_id_token: false },
    servers: [{
      id: 'instance',
      issuerPath: '',
      paths: {
        discovery: '/.well-known/openid-configuration',
        device_authorization: '/oauth/v2/device_authorization',
        token: '/oauth/v2/token',
        jwks: '/oauth/v2/keys',
        userinfo: '/oidc/v1/userinfo',
        introspection: '/oauth/v2/introspect',
        revocation: '/oauth/v2/revoke',
        verification: '/device',
      },
    }],
    sub: zitadelSub,
    noPasswordGrant: true,
    idClaims(base, u, ctx) {
      const c = protocolClaims(base, ctx.issuer);
      c.aud = [base.aud, ZITADEL_PROJECT];
      c.azp = base.aud;
      c.sub = zitadelSub(u);
      c.amr = ['pwd'];
      c.client_id = base.aud;
      if (ctx.options.userinfo_in_id_token) {
        c.email = u.email;
        c.email_verified = u.email_verified;
        c.name = u.name;
        c.preferred_username = `${u.username}@acme.example`;
        c.locale = 'en';
        c.updated_at = 1736933400;
      }
      c['urn:zitadel:iam:org:project:roles'] = zitadelRoles(u);
      c[`urn:zitadel:iam:org:project:${ZITADEL_PROJECT}:roles`] = zitadelRoles(u);
      c['urn:zitadel:iam:user:resourceowner:id'] = ZITADEL_ORG;
      c['urn:zitadel:iam:user:resourceowner:primary_domain'] = 'acme.example';
      return c;
    },
    userinfo(body, u) {
      return {
        sub: zitadelSub(u), name: u.name, preferred_username: `${u.username}@acme.example`, email: u.email,
        email_verified: u.email_verified, locale: 'en', updated_at: 1736933400,
        'urn:zitadel:iam:org:project:roles': zitadelRoles(u),
      };
    },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);

// ---------------------------------------------------------------- the layer

const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);

function coerceOption(v) {
  if (v === 'true' || v === '' || v === undefined) return true;
  if (v === 'false') return false;
  return v;
}

// helpers from server.mjs: { signJws(kty, header, claims), findBySub, users,
// certFor(kid) -> {x5t, x5c}, encJwk() -> public JWK or undefined }
export function makeProfile(name, optionList, helpers) {
  const def = PROFILES[name];
  if (!def) throw new Error(`unknown profile "${name}" (known: ${PROFILE_NAMES.join(', ')})`);
  const profile = { sub: (u) => u.sub, ...def, name };
  const options = { ...COMMON_OPTIONS, ...(def.options || {}) };
  const setOptions = (set) => {
    for (const [k, v] of Object.entries(set)) {
      if (!(k in options)) throw new Error(`unknown option "${k}" for profile ${name} (known: ${Object.keys(options).join(', ')})`);
      options[k] = typeof options[k] === 'boolean' ? coerceOption(v) === true : String(v);
    }
    state.device.clear();
  };
  for (const o of optionList || []) {
    const eq = o.indexOf('=');
    setOptions({ [eq < 0 ? o : o.slice(0, eq)]: eq < 0 ? 'true' : o.slice(eq + 1) });
  }
  let origin = '';
  // per-instance state a profile keeps (authentik's throttle); reset
  // whenever options are set
  const state = { device: new Map() };

  // profile path -> { server, name }
  const routes = new Map();
  for (const server of def.servers) {
    for (const [ep, p] of Object.entries(server.paths)) {
      if (!routes.has(p)) routes.set(p, { server, name: ep });
    }
  }
  const issuerOf = (server) => `${origin}${server.issuerPath}`;
  const discoveryIssuerOf = (server) => `${origin}${server.discoveryIssuerPath ?? server.issuerPath}`;
  // scope: what the token in hand was granted (Dex shapes claims by it)
  const ctxFor = (server, scope = '') => ({
    server, origin, options, profile, state, issuer: issuerOf(server), certFor: helpers.certFor,
    scopes: String(scope || '').split(' ').filter(Boolean),
  });
  const commonActive = () => options.numbers_as_strings || options.token_type || options.no_interval
    || options.extra_members;
  const active = () => name !== 'standard' || commonActive();

  const extra = (obj) => (options.extra_members && isObj(obj)
    ? { ...obj, x_vendor_trace: 'b7e1c2d3', x_vendor_flags: { beta: true, regions: ['eu', 'us'] } } : obj);

  function userOf(sub) {
    return helpers.findBySub(sub);
  }

  // An OAuth error answer in the profile's dialect: [status, body].
  function tokenError(error, description, grantType, status) {
    const key = grantType === 'password' ? 'password' : (grantType || '').endsWith('device_code') ? 'device' : '';
    const row = (def.tokenErrors || {})[`${error}:${key}`] || (def.tokenErrors || {})[error];
    if (!row) return [status, extra({ error, ...(description ? { error_description: description } : {}) })];
    const [st, desc, code, rename] = row;
    const body = { error: rename || error, ...(desc ? { error_description: desc } : {}) };
    if (code !== undefined) body.error_codes = [code];
    if (def.errorExtra) Object.assign(body, def.errorExtra());
    return [st, extra(body)];
  }

  function rewriteDiscovery(doc, server) {
    const out = {};
    for (const [k, v] of Object.entries(doc)) {
      if (typeof v === 'string' && v.startsWith(`${origin}/`)) {
        const p = v.slice(origin.length);
        const ep = Object.keys(INTERNAL).find((e) => INTERNAL[e] === p);
        if (ep && server.paths[ep]) out[k] = `${origin}${server.paths[ep]}`;
        // endpoints this provider does not have are left out
      } else {
        out[k] = v;
      }
    }
    out.issuer = discoveryIssuerOf(server);
    if (def.noPasswordGrant && Array.isArray(out.grant_types_supported)) {
      out.grant_types_supported = out.grant_types_supported.filter((g) => g !== 'password');
    }
    if (def.alg) out.id_token_signing_alg_values_supported = [def.alg];
    return def.discovery ? def.discovery(out, ctxFor(server)) : out;
  }

  function rewriteJwks(body, server) {
    let keys = body.keys || [];
    if (def.alg === 'RS256') keys = keys.filter((k) => k.kty === 'RSA');
    if (def.jwksKey) keys = keys.map((k) => def.jwksKey(k, ctxFor(server)));
    if (def.encKey && helpers.encJwk()) keys = [...keys, helpers.encJwk()];
    return { keys };
  }

  function rewriteDevice(body, server) {
    let out = { ...body };
    if (server.paths.verification) {
      out.verification_uri = `${origin}${server.paths.verification}`;
      out.verification_uri_complete = `${out.verification_uri}?user_code=${encodeURIComponent(body.user_code)}`;
    }
    if (def.device) out = def.device(out, ctxFor(server));
    if (options.no_interval) delete out.interval;
    if (options.numbers_as_strings) {
      for (const k of ['expires_in', 'interval']) if (typeof out[k] === 'number') out[k] = String(out[k]);
    }
    return extra(out);
  }

  function resignIdToken(jws, server, scope) {
    const [h, p] = jws.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const base = JSON.parse(Buffer.from(p, 'base64url').toString());
    const u = userOf(base.sub);
    if (!u) return jws;
    const claims = def.idClaims ? def.idClaims(base, u, ctxFor(server, scope)) : { ...base, iss: issuerOf(server) };
    const kty = (def.alg || header.alg).startsWith('ES') ? 'EC' : 'RSA';
    return helpers.signJws(kty, {}, claims);
  }

  function rewriteTokenSuccess(body, server) {
    const out = { ...body };
    if (typeof out.id_token === 'string' && name !== 'standard') out.id_token = resignIdToken(out.id_token, server, body.scope);
    if (options.token_type) out.token_type = options.token_type;
    if (options.numbers_as_strings && typeof out.expires_in === 'number') out.expires_in = String(out.expires_in);
    if (name === 'entra' && typeof out.expires_in !== 'undefined') out.ext_expires_in = out.expires_in;
    return extra(out);
  }

  return {
    name,
    options,
    active,
    setOptions,
    userCodeMask: def.userCodeMask,
    noPasswordGrant: !!def.noPasswordGrant,
    passwordNeedsClientSecret: !!def.passwordNeedsClientSecret,
    noDeviceDenial: !!def.noDeviceDenial,
    // A device authorization request the provider answers before
    // oidc-provider sees it: { status, json | text } or undefined.
    deviceRequest: def.deviceRequest
      ? (form, meta) => def.deviceRequest(form, meta, ctxFor(def.servers[0]))
      : undefined,
    checkPassword: def.checkPassword ? (n, pw) => def.checkPassword(n, pw, helpers.users) : undefined,
    setOrigin(o) { origin = o; },
    describe() {
      return {
        profile: name,
        options,
        servers: def.servers.map((s) => ({
          id: s.id, issuer: issuerOf(s), discovery_issuer: discoveryIssuerOf(s),
          endpoints: Object.fromEntries(Object.entries(s.paths).map(([k, v]) => [k, `${origin}${v}`])),
        })),
      };
    },

    // Where a request on pathname goes: { path: oidc-provider's path,
    // server?, name? } or { blocked: true } (a 404 for the provider
    // this profile imitates).
    routeRequest(pathname) {
      if (name === 'standard') return { path: pathname };
      const r = routes.get(pathname);
      if (r) {
        if (def.routeBlocked && def.routeBlocked(r.name, ctxFor(r.server))) return { blocked: true };
        return { path: INTERNAL[r.name], server: r.server, name: r.name };
      }
      const internalApi = API.some((ep) => INTERNAL[ep] === pathname);
      if (internalApi) return { blocked: true };
      return { path: pathname };
    },

    // An error answer the server itself makes (slow_down) in this dialect.
    errorAnswer(error, description, grantType, status) {
      return tokenError(error, description, grantType, status);
    },

    // Koa: after oidc-provider answered ctx (a request routed as route).
    rewriteAnswer(ctx, route, grantType) {
      if (!active()) return;
      const server = route.server || { id: 'standard', issuerPath: '', paths: INTERNAL };
      const ep = route.name || Object.keys(INTERNAL).find((e) => INTERNAL[e] === ctx.path);
      const body = ctx.body;
      if (!isObj(body) || Buffer.isBuffer(body)) return;
      if (ctx.status >= 400 && typeof body.error === 'string') {
        if (ep === 'token') {
          const [st, b] = tokenError(body.error, body.error_description, grantType, ctx.status);
          ctx.body = b;
          ctx.status = st;
        } else {
          ctx.body = extra(body);
        }
        return;
      }
      if (ctx.status !== 200) return;
      if (name === 'standard') {
        if (ep === 'device_authorization' && body.device_code) ctx.body = rewriteDevice(body, server);
        else if (ep === 'token') ctx.body = rewriteTokenSuccess(body, server);
        else ctx.body = extra(body);
        return;
      }
      switch (ep) {
        case 'discovery': ctx.body = rewriteDiscovery(body, server); break;
        case 'jwks': ctx.body = rewriteJwks(body, server); break;
        case 'device_authorization': if (body.device_code) ctx.body = rewriteDevice(body, server); break;
        case 'token': ctx.body = rewriteTokenSuccess(body, server); break;
        case 'userinfo': {
          const u = userOf(body.sub);
          const scope = ctx.oidc?.accessToken?.scope;
          ctx.body = extra(u && def.userinfo ? def.userinfo(body, u, ctxFor(server, scope)) : body);
          break;
        }
        case 'introspection': {
          const u = body.sub && userOf(body.sub);
          ctx.body = extra(u ? { ...body, sub: profile.sub(u), iss: issuerOf(server) } : body);
          break;
        }
        default: break;
      }
    },
  };
}
