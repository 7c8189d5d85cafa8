/* test_dialects.c - logins through real PAM (pam_wrapper, nss_wrapper
 * accounts) against the test IdP speaking each provider's dialect
 * (tests/idp/profiles.mjs, from the providers' public documentation and
 * source): Google, Microsoft Entra ID, Auth0, Okta (org and custom
 * authorization servers), Keycloak, authentik, GitLab, Dex and ZITADEL.
 *
 * Each profile's configuration (struct profile) is the one its section of
 * docs/idp-guides.md documents, with the test IdP's names. For every
 * profile: a device login approved by alice succeeds; approved by bob for
 * alice, denied (where the provider can deny: not Dex), or expired at the
 * IdP it is PAM_AUTH_ERR; where the provider has the password grant for
 * the documented client, the right password logs in and a wrong one is
 * PAM_AUTH_ERR (whatever status the provider answers with), never
 * PAM_AUTHINFO_UNAVAIL. Then what each dialect adds: namespaced and nested
 * group claims, thin ID tokens, per-tenant and multi-tenant issuers, the
 * groups overage, a scheme-less iss, Entra's error names, Google's 428/403
 * and Auth0's 403/429 while polling, a provider without a device endpoint or
 * without the password grant, and numbers sent as strings.
 *
 * Tests that use the provider-dialect keys of the module (require_claims,
 * groups as an object, numbers as strings, the Entra multi-tenant issuer)
 * say so in their comment: "module: provider dialects". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "harness.h"

/* from tests/idp/profiles.mjs */
#define ENTRA_TID "5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69"
#define ENTRA_ADMINS "0b5f7a2e-3c41-4d6b-9e8f-6a7b8c9d0e02"

/* The line a throttled login shows (refusal.c) */
#define THROTTLED_LINE                                                           \
	"The identity provider refuses more logins from this host for now (too " \
	"many requests); try again later."

enum secret { NO_SECRET, SECRET_POST, SECRET_BASIC };

/* One profile: its IdP (started once per group) and the configuration that
 * fits it. */
struct profile {
	const char *name;
	const char *issuer_path; /* appended to the IdP's origin */
	const char *client;      /* client_id */
	enum secret secret;      /* the test secret, in the body or with HTTP Basic */
	const char *device_path; /* device_authorization_endpoint, after the origin */
	const char *conf;        /* further configuration lines */
	const char *password;    /* alice's password for the password grant, NULL: none */
	int approve_delay_ms;    /* > 0: some polls see "pending" in the dialect */
	struct oa2t_idp idp;
};

static struct profile *cur;

static const char *issuer_of(const struct profile *p, const char *path)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s%s", p->idp.issuer, path ? path : p->issuer_path);
	return buf;
}

/* Discovery is cached per issuer: a test that changes the discovery
 * document of the same issuer uses another cache. */
static const char *cache_suffix = "";

/* oa2.conf for the current profile; issuer_path NULL: the profile's own,
 * conf NULL: the profile's lines (a key may appear only once). */
static void write_conf_with(const char *issuer_path, const char *conf, const char *extra)
{
	char body[4096], secret[512] = "", device[512] = "";

	if (cur->secret != NO_SECRET)
		snprintf(secret, sizeof(secret), "client_secret_file = %s\nclient_auth = %s\n",
			 oa2t_write("secret", "confidential-secret\n", 0600),
			 cur->secret == SECRET_POST ? "client_secret_post" : "client_secret_basic");
	if (cur->device_path != NULL)
		snprintf(device, sizeof(device), "device_authorization_endpoint = %s%s\n",
			 cur->idp.issuer, cur->device_path);
	snprintf(body, sizeof(body),
		 "issuer = %s\nclient_id = %s\n%s%sca_file = %s\ncache_dir = %s/cache-%s%s\n"
		 "http_timeout = 5\ndevice_timeout = 30\n%s%s",
		 issuer_of(cur, issuer_path), cur->client, secret, device, cur->idp.ca, oa2t_tmp(),
		 cur->name, cache_suffix,
		 conf        ? conf
		 : cur->conf ? cur->conf
			     : "",
		 extra ? extra : "");
	oa2t_write("oa2.conf", body, 0644);
}

static void write_conf_at(const char *issuer_path, const char *extra)
{
	write_conf_with(issuer_path, NULL, extra);
}

static void write_conf(const char *extra)
{
	write_conf_with(NULL, NULL, extra);
}

static void set_options(const char *json)
{
	char req[512];

	snprintf(req, sizeof(req), "{\"set\":%s}", json);
	assert_int_equal(oa2t_control(&cur->idp, "POST", "/profile/options", req, NULL), 200);
}

/* The profile and the IdP's options as the group started: every test ends
 * by going back to them, so a test that fails half-way (a client switched,
 * an option set) does not make the tests after it fail too. */
static struct profile pristine;
static char pristine_options[1024];

/* The "options" member of GET /profile: a flat object of scalars. */
static int save_options(void)
{
	char *body = NULL, *start, *end;
	int rc = -1;

	if (oa2t_control(&cur->idp, "GET", "/profile", NULL, &body) != 200 || body == NULL)
		goto out;
	start = strstr(body, "\"options\":{");
	if (start == NULL)
		goto out;
	start += strlen("\"options\":");
	end = strchr(start, '}');
	if (end == NULL || memchr(start + 1, '{', (size_t)(end - start - 1)) != NULL ||
	    (size_t)(end - start + 1) >= sizeof(pristine_options))
		goto out;
	snprintf(pristine_options, sizeof(pristine_options), "%.*s", (int)(end - start + 1),
		 start);
	rc = 0;
out:
	free(body);
	return rc;
}

static int group_setup(void **state)
{
	char extra[64];

	(void)state;
	snprintf(extra, sizeof(extra), "--interval 1 --device-ttl 60 --profile %s", cur->name);
	if (oa2t_idp_start(&cur->idp, cur->name, extra) != 0)
		return -1;
	if (save_options() != 0) {
		oa2t_idp_stop(&cur->idp);
		return -1;
	}
	pristine = *cur;
	write_conf(NULL);
	return 0;
}

static int back_to_pristine(void **state)
{
	char req[sizeof(pristine_options) + 16];

	(void)state;
	*cur = pristine;
	cache_suffix = "";
	snprintf(req, sizeof(req), "{\"set\":%s}", pristine_options);
	if (oa2t_control(&cur->idp, "POST", "/profile/options", req, NULL) != 200 ||
	    oa2t_control(&cur->idp, "POST", "/fault/clear", "{}", NULL) != 200)
		return -1;
	write_conf(NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	oa2t_idp_stop(&cur->idp);
	return 0;
}

/* ------------------------------------------------------------ device logins */

enum act { APPROVE, DENY, EXPIRE, FORGET };

struct action {
	enum act act;
	const char *approver;
	int delay_ms;
	bool done;
};

static void act_now(const struct action *a, const char *code)
{
	static const char *const routes[] = {"/device/approve", "/device/deny", "/device/expire",
					     "/device/forget"};
	char json[200];

	snprintf(json, sizeof(json), "{\"user_code\":\"%s\",\"username\":\"%s\"}", code,
		 a->approver ? a->approver : "alice");
	if (oa2t_control(&cur->idp, "POST", routes[a->act], json, NULL) != 200)
		fprintf(stderr, "test: %s %s failed\n", routes[a->act], code);
}

/* on_message: act at the IdP once the code is shown (after delay_ms in a
 * child, so the module keeps polling meanwhile). */
static void on_code(struct oa2t_conv *conv, int style, const char *msg)
{
	struct action *a = conv->user;
	char code[32];
	pid_t pid;

	(void)style;
	if (a->done || !oa2t_user_code(msg, code, sizeof(code)))
		return;
	a->done = true;
	if (a->delay_ms <= 0) {
		act_now(a, code);
		return;
	}
	pid = fork();
	if (pid == 0) {
		usleep((useconds_t)a->delay_ms * 1000);
		act_now(a, code);
		_exit(0);
	}
}

static int device_login(const char *user, enum act act, const char *approver, int delay_ms)
{
	struct action a = {act, approver, delay_ms, false};
	struct oa2t_conv conv = {0};
	int rc;

	conv.on_message = on_code;
	conv.user = &a;
	rc = oa2t_auth("oa2", user, &conv, true);
	while (wait(NULL) > 0)
		;
	return rc;
}

static int password_login(const char *user, const char *password)
{
	struct oa2t_conv conv = {0};

	conv.answers[0] = password;
	conv.nanswers = 1;
	return oa2t_auth("oa2", user, &conv, true);
}

/* Fail with the module log when rc is not want. */
#define expect_rc(rc, want)                                                                   \
	do {                                                                                  \
		int rc_ = (rc);                                                               \
		if (rc_ != (want))                                                            \
			fail_msg("%s: PAM result %d, want %d (%s); log:\n%s", cur->name, rc_, \
				 (want), #want, oa2t_log_text());                             \
	} while (0)

/* alice's console login with the password grant gives want. */
static void expect_password(const char *password, int want)
{
	write_conf("grant = password\n");
	expect_rc(password_login("alice", password), want);
	write_conf(NULL);
}

/* With this configuration alice (in the required group) logs in, bob (not
 * in it) is authenticated but not authorised. */
static void admits_alice_not_bob(const char *issuer_path, const char *conf, const char *extra)
{
	write_conf_with(issuer_path, conf, extra);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	expect_rc(device_login("bob", APPROVE, "bob", 0), PAM_PERM_DENIED);
	write_conf(NULL);
}

/* ------------------------------------------------------------ every profile */

static void device_alice_logs_in(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", cur->approve_delay_ms), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
}

static void device_bob_cannot_approve_for_alice(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "bob", 0), PAM_AUTH_ERR);
	oa2t_expect_log("not to 'alice'");
}

static void device_denied_is_refused(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", DENY, NULL, 0), PAM_AUTH_ERR);
}

static void device_expired_is_refused(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", EXPIRE, NULL, 0), PAM_AUTH_ERR);
}

static void password_alice_logs_in(void **state)
{
	(void)state;
	expect_password(cur->password, PAM_SUCCESS);
	oa2t_expect_log("grant=password");
}

static void password_wrong_is_refused(void **state)
{
	(void)state;
	expect_password("wrong-pass", PAM_AUTH_ERR);
}

/* Google and ZITADEL have no password grant: a configuration error, not an
 * outage and not a wrong password. */
static void password_grant_unsupported(void **state)
{
	(void)state;
	expect_password("alice-pass", PAM_SERVICE_ERR);
}

/* ------------------------------------------------------------ Google */

/* Google's ID token has iss "accounts.google.com" sometimes: accepted only
 * for the issuer https://accounts.google.com, which the test IdP cannot be;
 * for any other issuer a scheme-less iss is refused. */
static void google_iss_without_scheme_is_refused(void **state)
{
	(void)state;
	set_options("{\"iss_no_scheme\":true}");
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_AUTH_ERR);
	oa2t_expect_log("iss");
	set_options("{\"iss_no_scheme\":false}");
}

/* module: provider dialects (require_claims). The Workspace domain and a
 * verified address, then the e-mail address names the user. */
static void google_require_hd_and_verified_email(void **state)
{
	char extra[512];

	(void)state;
	snprintf(extra, sizeof(extra),
		 "username_claim = email\nstrip_domain = example.com\n"
		 "user_map_file = %s\nrequire_claims = hd=example.com "
		 "email_verified=true\n",
		 oa2t_write("google-email.map", "carol@mail.example.net carol\n", 0644));
	write_conf_with(NULL, extra, NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	/* carol: a personal account, no hd, address not verified */
	expect_rc(device_login("carol", APPROVE, "carol", 0), PAM_PERM_DENIED);
	write_conf(NULL);
}

/* One slow_down (the IdP's fault, in the profile's dialect) while alice
 * approves: the module keeps polling, more slowly, and logs in. */
static void slow_down_keeps_polling(void)
{
	write_conf(NULL);
	assert_int_equal(oa2t_control(&cur->idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"slow_down\",\"count\":1}",
				      NULL),
			 200);
	expect_rc(device_login("alice", APPROVE, "alice", 1500), PAM_SUCCESS);
}

/* Google's slow_down is HTTP 403: keep polling, more slowly. */
static void google_slow_down_403_keeps_polling(void **state)
{
	(void)state;
	slow_down_keeps_polling();
}

/* ------------------------------------------------------------ Entra ID */

static void entra_groups_are_object_ids(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL, "require_groups = " ENTRA_ADMINS "\n");
}

/* Too many groups: _claim_names / _claim_sources instead of groups. With
 * require_groups that is a clear refusal. */
static void entra_groups_overage_is_refused(void **state)
{
	(void)state;
	set_options("{\"groups_overage\":true}");
	write_conf("require_groups = " ENTRA_ADMINS "\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_PERM_DENIED);
	set_options("{\"groups_overage\":false}");
	write_conf(NULL);
}

/* A device code the token endpoint no longer knows: bad_verification_code. */
static void entra_bad_verification_code_is_refused(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", FORGET, NULL, 0), PAM_AUTH_ERR);
	oa2t_expect_log("bad_verification_code");
}

/* denied: authorization_declined, not access_denied */
static void entra_declined_is_refused(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", DENY, NULL, 0), PAM_AUTH_ERR);
	oa2t_expect_log("authorization_declined");
}

/* The UPN mapped by a user map instead of strip_domain. */
static void entra_upn_through_user_map(void **state)
{
	char extra[512];

	(void)state;
	snprintf(extra, sizeof(extra), "lowercase = yes\nuser_map_file = %s\n",
		 oa2t_write("entra.map", "alice@contoso.example alice\n", 0644));
	/* no strip_domain: the map alone maps */
	write_conf_with(NULL, extra, NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	write_conf(NULL);
}

/* module: provider dialects (multi-tenant issuer). The organizations
 * discovery document names https://HOST/{tenantid}/v2.0; the token's iss
 * has the real tenant, which require_claims must pin. */
static void entra_multi_tenant_with_tid_logs_in(void **state)
{
	(void)state;
	write_conf_at("/organizations/v2.0", "require_claims = tid=" ENTRA_TID "\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	write_conf(NULL);
}

/* module: provider dialects. Another tenant's users are refused. */
static void entra_multi_tenant_other_tid_is_refused(void **state)
{
	(void)state;
	write_conf_at("/organizations/v2.0",
		      "require_claims = tid=00000000-1111-2222-3333-444444444444\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_PERM_DENIED);
	write_conf(NULL);
}

/* module: provider dialects. Without a tid requirement the multi-tenant
 * issuer is a configuration error: any tenant could log in. */
static void entra_multi_tenant_without_tid_is_config_error(void **state)
{
	(void)state;
	write_conf_at("/organizations/v2.0", NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SERVICE_ERR);
	write_conf(NULL);
}

/* Personal Microsoft accounts: the consumers discovery document names the
 * fixed issuer of their tenant; no tid= condition is needed (the tenant is
 * fixed), and the token's iss must be that fixed issuer. */
static void entra_consumers_fixed_issuer(void **state)
{
	(void)state;
	cache_suffix = "-consumers";
	write_conf_at("/consumers/v2.0", NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
	cache_suffix = "";
	write_conf(NULL);
}

/* ------------------------------------------------------------ Auth0 */

/* groups only under a namespaced claim name (with dots and slashes) */
static void auth0_namespaced_groups(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL, "require_groups = admins\n");
}

/* Auth0's slow_down is HTTP 429. */
static void auth0_slow_down_429_keeps_polling(void **state)
{
	(void)state;
	slow_down_keeps_polling();
}

/* ------------------------------------------------------------ Okta */

/* The org server's thin ID token has preferred_username (profile scope)
 * but no groups: with claims_source = auto the groups come from userinfo
 * when groups are required or mapped (group_map); with the ID token alone
 * they are missing. */
static void okta_org_thin_id_token_groups_from_userinfo(void **state)
{
	char conf[1024];

	(void)state;
	admits_alice_not_bob(NULL, NULL, "require_groups = admins\n");
	oa2t_expect_log("token validated from id_token+userinfo");
	write_conf("require_groups = admins\nclaims_source = id_token\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_PERM_DENIED);
	/* without a group requirement the thin ID token is enough: no userinfo */
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	oa2t_expect_log("token validated from id_token (");
	/* group_map of created accounts needs the groups as well */
	snprintf(conf, sizeof(conf),
		 "accounts = create\naccounts_dir = %s/okta-acc\nuserdb_dir = %s/okta-userdb\n"
		 "nss_dir = %s/okta-nss\ngroup_map = admins:nogroup\n",
		 oa2t_tmp(), oa2t_tmp(), oa2t_tmp());
	write_conf(conf);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	oa2t_expect_log("token validated from id_token+userinfo");
	write_conf(NULL);
}

/* claims_source = userinfo, the earlier advice, still works. */
static void okta_org_claims_from_userinfo(void **state)
{
	(void)state;
	write_conf("claims_source = userinfo\nrequire_groups = admins\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	write_conf(NULL);
}

static void okta_custom_server_groups_in_id_token(void **state)
{
	(void)state;
	admits_alice_not_bob("/oauth2/default", "strip_domain = example.com\n",
			     "require_groups = admins\n");
}

/* ------------------------------------------------------------ Keycloak */

static void keycloak_realm_roles(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL,
			     "groups_claim = realm_access.roles\nrequire_groups = admins\n");
}

static void keycloak_client_roles(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL,
			     "groups_claim = resource_access.pam-public.roles\nrequire_groups = "
			     "linux-admins\n");
}

/* ------------------------------------------------------------ authentik */

/* A confidential client with HTTP Basic: authentik reads client_id of the
 * device authorization request from the body only (a bare 400 without it).
 * The module sends it there too; before, this was refused. */
static void authentik_confidential_basic_device(void **state)
{
	(void)state;
	cur->client = "pam-confidential";
	cur->secret = SECRET_BASIC;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
}

/* 20 device requests an hour per address (here: 1), then a bare 429: the
 * user reads that the IdP refuses more logins for now, the log says 429
 * and that there was no Retry-After; not "unreachable". */
static void authentik_device_throttle(void **state)
{
	struct oa2t_conv conv = {0};
	struct action a = {APPROVE, "alice", 0, false};

	(void)state;
	set_options("{\"device_per_hour\":\"1\"}");
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	conv.on_message = on_code;
	conv.user = &a;
	expect_rc(oa2t_auth("oa2", "alice", &conv, true), PAM_AUTH_ERR);
	oa2t_expect_log("device authorization: the identity provider limits the requests from this "
			"host (HTTP status 429, no Retry-After)");
	if (strstr(conv.text, THROTTLED_LINE) == NULL)
		fail_msg("the screen lacks the throttle line:\n%s", conv.text);
	if (strstr(conv.text, "cannot be reached") != NULL || oa2t_log_has("unreachable"))
		fail_msg("a throttled login was reported as an outage:\n%s", oa2t_log_text());
	set_options("{\"device_per_hour\":\"20\"}");
}

/* The password grant takes an app password, not the user's own. */
static void authentik_password_is_not_app_password(void **state)
{
	(void)state;
	expect_password("alice-pass", PAM_AUTH_ERR);
}

/* ------------------------------------------------------------ GitLab */

/* The documented configuration: groups_direct from the ID token, the user
 * name from userinfo (the ID token has none). */
static void gitlab_groups_direct(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL,
			     "groups_claim = groups_direct\nrequire_groups = corp/admins\n");
	oa2t_expect_log("token validated from id_token+userinfo");
}

/* groups (inherited memberships too) exist only in userinfo. */
static void gitlab_inherited_groups_from_userinfo(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL, "groups_claim = groups\nrequire_groups = corp/admins\n");
}

/* The ID token alone names nobody: claims_source = id_token refuses. */
static void gitlab_id_token_alone_has_no_user_name(void **state)
{
	(void)state;
	write_conf("claims_source = id_token\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_AUTH_ERR);
	oa2t_expect_log("no 'preferred_username' claim");
	write_conf(NULL);
}

/* A userinfo answer about someone else (another sub) is refused. */
static void gitlab_userinfo_other_sub_is_refused(void **state)
{
	(void)state;
	set_options("{\"userinfo_sub\":\"43\"}");
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_AUTH_ERR);
	oa2t_expect_log("userinfo 'sub' does not match the id_token's");
	set_options("{\"userinfo_sub\":\"\"}");
}

/* Discovery lists no device endpoint: without device_authorization_endpoint
 * the device grant cannot start; with a configured one on another host it
 * is refused as a configuration error; when a GitLab lists it, no line is
 * needed. */
static void gitlab_device_endpoint_from_configuration(void **state)
{
	(void)state;
	cur->device_path = NULL;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SERVICE_ERR);
	oa2t_expect_log("the IdP offers no device_authorization_endpoint");
	write_conf("endpoint_hosts = gitlab.example.test\ndevice_authorization_endpoint = "
		   "https://elsewhere.example.test/oauth/authorize_device\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SERVICE_ERR);
	oa2t_expect_log("device_authorization_endpoint is on host elsewhere.example.test");
	set_options("{\"device_in_discovery\":true}");
	cache_suffix = "-device"; /* another discovery document */
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	set_options("{\"device_in_discovery\":false}");
	cache_suffix = "";
}

/* The password grant: refused for the public client (invalid_client, a
 * configuration error), possible with a confidential one. */
static void gitlab_password_needs_confidential_client(void **state)
{
	(void)state;
	expect_password("alice-pass", PAM_SERVICE_ERR);
	oa2t_expect_log("invalid_client");
	cur->client = "pam-confidential";
	cur->secret = SECRET_BASIC;
	expect_password("alice-pass", PAM_SUCCESS);
	expect_password("wrong-pass", PAM_AUTH_ERR);
}

/* ------------------------------------------------------------ Dex */

/* Without the groups scope Dex puts no groups anywhere: the guide's
 * require_groups would refuse everyone. */
static void dex_groups_need_the_groups_scope(void **state)
{
	(void)state;
	write_conf_with(NULL, "require_groups = users\n", NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_PERM_DENIED);
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
}

static void dex_groups(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, "scope = openid profile email groups\n", "require_groups = admins\n");
}

/* A confidential client: Dex keeps client_id and client_secret of the
 * device request from the body, so HTTP Basic cannot work there;
 * client_secret_post does. */
static void dex_confidential_client_needs_post(void **state)
{
	(void)state;
	cur->client = "pam-confidential";
	cur->secret = SECRET_BASIC;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SERVICE_ERR);
	oa2t_expect_log("invalid_client");
	cur->secret = SECRET_POST;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
}

/* ------------------------------------------------------------ Dex: tolerance
 */

/* alice logs in while the IdP answers with option on (JSON members), then
 * the option is reset (off). */
static void login_with_option(const char *on, const char *off)
{
	set_options(on);
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	set_options(off);
}

/* Members the module does not know are ignored. */
static void extra_members_are_ignored(void **state)
{
	(void)state;
	login_with_option("{\"extra_members\":true}", "{\"extra_members\":false}");
}

static void token_type_in_lower_case(void **state)
{
	(void)state;
	login_with_option("{\"token_type\":\"bearer\"}", "{\"token_type\":\"\"}");
}

/* RFC 8628: without interval, poll every 5 s. */
static void no_interval_means_five_seconds(void **state)
{
	(void)state;
	login_with_option("{\"no_interval\":true}", "{\"no_interval\":false}");
}

/* module: provider dialects. "expires_in": "60", "interval": "1". */
static void numbers_as_strings_are_read(void **state)
{
	(void)state;
	login_with_option("{\"numbers_as_strings\":true}", "{\"numbers_as_strings\":false}");
}

/* ------------------------------------------------------------ ZITADEL */

/* module: provider dialects (groups as an object whose keys are roles). */
static void zitadel_roles_object(void **state)
{
	(void)state;
	admits_alice_not_bob(NULL, NULL,
			     "groups_claim = urn:zitadel:iam:org:project:roles\nrequire_groups = "
			     "admins\n");
}

/* Without "User Info inside ID Token" the user name is only in userinfo:
 * claims_source = auto fetches it, the ID token alone names nobody; with
 * the setting the ID token is enough. */
static void zitadel_user_info_in_id_token(void **state)
{
	(void)state;
	write_conf(NULL);
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	oa2t_expect_log("token validated from id_token+userinfo");
	write_conf("claims_source = id_token\n");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_AUTH_ERR);
	oa2t_expect_log("no 'preferred_username' claim");
	set_options("{\"userinfo_in_id_token\":true}");
	expect_rc(device_login("alice", APPROVE, "alice", 0), PAM_SUCCESS);
	set_options("{\"userinfo_in_id_token\":false}");
	write_conf(NULL);
}

/* ------------------------------------------------------------ main */

#define COMMON                                                         \
	cmocka_unit_test(device_alice_logs_in),                        \
		cmocka_unit_test(device_bob_cannot_approve_for_alice), \
		cmocka_unit_test(device_denied_is_refused),            \
		cmocka_unit_test(device_expired_is_refused)
#define PASSWORD \
	cmocka_unit_test(password_alice_logs_in), cmocka_unit_test(password_wrong_is_refused)

static struct profile google = {.name = "google",
				.issuer_path = "",
				.client = "pam-confidential-post",
				.secret = SECRET_POST,
				.approve_delay_ms = 1500};
static struct profile entra = {.name = "entra",
			       .issuer_path = "/" ENTRA_TID "/v2.0",
			       .client = "pam-public",
			       .conf = "strip_domain = contoso.example\nlowercase = yes\n",
			       .password = "alice-pass",
			       .approve_delay_ms = 1500};
/* the user name from a namespaced claim an Action sets, not nickname */
static struct profile auth0 = {.name = "auth0",
			       .issuer_path = "/",
			       .client = "pam-public",
			       .conf = "username_claim = https://example.com/username\n"
				       "groups_claim = https://example.com/groups\n",
			       .password = "alice-pass",
			       .approve_delay_ms = 1500};
/* the org authorization server, claims_source auto */
static struct profile okta = {.name = "okta",
			      .issuer_path = "",
			      .client = "pam-public",
			      .conf = "strip_domain = example.com\n",
			      .password = "alice-pass"};
static struct profile keycloak = {.name = "keycloak",
				  .issuer_path = "/realms/corp",
				  .client = "pam-public",
				  .password = "alice-pass"};
static struct profile authentik = {.name = "authentik",
				   .issuer_path = "/application/o/linux-login/",
				   .client = "pam-public",
				   .password = "alice-app-password"};
/* device_authorization_endpoint named: GitLab's discovery omits it; the
 * password grant only with a confidential client (its own test) */
static struct profile gitlab = {.name = "gitlab",
				.issuer_path = "",
				.client = "pam-public",
				.device_path = "/oauth/authorize_device"};
static struct profile dex = {.name = "dex",
			     .issuer_path = "/dex",
			     .client = "pam-public",
			     .conf = "scope = openid profile email groups\nrequire_groups = users\n",
			     .password = "alice-pass"};
static struct profile zitadel = {.name = "zitadel",
				 .issuer_path = "",
				 .client = "pam-public",
				 .conf = "strip_domain = acme.example\n"};

/* The user map for Google: the immutable numeric sub names the person. */
static void google_user_map(void)
{
	static char conf[512];

	snprintf(conf, sizeof(conf), "username_claim = sub\nuser_map_file = %s\n",
		 oa2t_write("google.map",
			    "110248495921238986420 alice\n110248495921238986421 bob\n"
			    "110248495921238986422 carol\n",
			    0644));
	google.conf = conf;
}

static int run(struct profile *p, const struct CMUnitTest *tests, size_t n)
{
	struct CMUnitTest *each = calloc(n, sizeof(*each));
	int failed;

	if (each == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		each[i] = tests[i];
		each[i].teardown_func = back_to_pristine;
	}
	cur = p;
	failed = _cmocka_run_group_tests(p->name, each, n, group_setup, group_teardown);
	free(each);
	return failed;
}

#define RUN(p, ...)                                                  \
	do {                                                         \
		const struct CMUnitTest t_[] = {__VA_ARGS__};        \
		failed += run(&(p), t_, sizeof(t_) / sizeof(t_[0])); \
	} while (0)

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"oa2", "config=%T/oa2.conf debug", false},
		{NULL, NULL, false},
	};
	int failed = 0;

	oa2t_init(argc, argv, services);
	google_user_map();
	RUN(google, COMMON, cmocka_unit_test(password_grant_unsupported),
	    cmocka_unit_test(google_iss_without_scheme_is_refused),
	    cmocka_unit_test(google_slow_down_403_keeps_polling),
	    cmocka_unit_test(google_require_hd_and_verified_email));
	RUN(entra, COMMON, PASSWORD, cmocka_unit_test(entra_groups_are_object_ids),
	    cmocka_unit_test(entra_groups_overage_is_refused),
	    cmocka_unit_test(entra_bad_verification_code_is_refused),
	    cmocka_unit_test(entra_declined_is_refused),
	    cmocka_unit_test(entra_upn_through_user_map),
	    cmocka_unit_test(entra_multi_tenant_with_tid_logs_in),
	    cmocka_unit_test(entra_multi_tenant_other_tid_is_refused),
	    cmocka_unit_test(entra_multi_tenant_without_tid_is_config_error),
	    cmocka_unit_test(entra_consumers_fixed_issuer));
	RUN(auth0, COMMON, PASSWORD, cmocka_unit_test(auth0_namespaced_groups),
	    cmocka_unit_test(auth0_slow_down_429_keeps_polling));
	RUN(okta, COMMON, PASSWORD, cmocka_unit_test(okta_org_thin_id_token_groups_from_userinfo),
	    cmocka_unit_test(okta_org_claims_from_userinfo),
	    cmocka_unit_test(okta_custom_server_groups_in_id_token));
	RUN(keycloak, COMMON, PASSWORD, cmocka_unit_test(keycloak_realm_roles),
	    cmocka_unit_test(keycloak_client_roles));
	RUN(authentik, COMMON, PASSWORD, cmocka_unit_test(authentik_password_is_not_app_password),
	    cmocka_unit_test(authentik_confidential_basic_device),
	    cmocka_unit_test(authentik_device_throttle));
	RUN(gitlab, COMMON, cmocka_unit_test(gitlab_groups_direct),
	    cmocka_unit_test(gitlab_inherited_groups_from_userinfo),
	    cmocka_unit_test(gitlab_id_token_alone_has_no_user_name),
	    cmocka_unit_test(gitlab_userinfo_other_sub_is_refused),
	    cmocka_unit_test(gitlab_device_endpoint_from_configuration),
	    cmocka_unit_test(gitlab_password_needs_confidential_client));
	/* Dex cannot deny: a login nobody approves runs out (expired) */
	RUN(dex, cmocka_unit_test(device_alice_logs_in),
	    cmocka_unit_test(device_bob_cannot_approve_for_alice),
	    cmocka_unit_test(device_expired_is_refused), PASSWORD,
	    cmocka_unit_test(dex_groups_need_the_groups_scope), cmocka_unit_test(dex_groups),
	    cmocka_unit_test(dex_confidential_client_needs_post),
	    cmocka_unit_test(extra_members_are_ignored),
	    cmocka_unit_test(token_type_in_lower_case),
	    cmocka_unit_test(no_interval_means_five_seconds),
	    cmocka_unit_test(numbers_as_strings_are_read));
	RUN(zitadel, COMMON, cmocka_unit_test(password_grant_unsupported),
	    cmocka_unit_test(zitadel_roles_object),
	    cmocka_unit_test(zitadel_user_info_in_id_token));
	return failed;
}
