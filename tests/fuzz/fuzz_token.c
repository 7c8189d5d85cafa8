/* fuzz_token.c - libFuzzer target: what happens to a token endpoint,
 * introspection or userinfo answer once it is in memory, with no network:
 * oa2_json_parse, the ID token and introspection claim checks, mapping to a
 * local account (oa2_usermap_resolve) and the authorisation checks
 * (oa2_authz_check). An "id_token" member is parsed as a compact JWS (not
 * verified: that needs the IdP's keys, see fuzz_jws.c) and its payload,
 * decoded and parsed here as oa2_jws_claims would after a verification, goes
 * through the same checks. Nothing has to succeed; nothing may crash, leak,
 * or hand out a name the mapper refused.
 *
 * Input: "<username_claim>\n<groups_claim>\n<options>\n<JSON>", or just
 * "<JSON>" when it starts with '{' (then the defaults, and every option).
 * options is a set of letters: l lowercase, r allow_root, d strip_domain,
 * g require_groups, s require_scope, a require_acr, m require_amr,
 * c require_claims.
 * Accounts looked up are whatever the claims name: on every system "root",
 * "daemon" and "nobody" exist (root is refused without allow_root), others
 * are refused as unknown.
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/b64url.h"
#include "crypto/jws.h"
#include "helper/claims.h"
#include "module/authz.h"
#include "module/usermap.h"
#include "shared/config.h"
#include "shared/jscan.h"
#include "shared/json.h"

#define NOW 1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct oa2_claims_policy policy = {
	.issuer = "https://idp.example/realms/test",
	.client_id = "pam",
	.now = NOW,
	.leeway = 60,
};

/* Take one line off the front of *p (NULL when there is no newline). */
static char *take_line(char **p, char *end)
{
	char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));

	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return line;
}

static void set_options(struct oa2_config *cfg, const char *opts)
{
	cfg->lowercase = strchr(opts, 'l') != NULL;
	cfg->allow_root = strchr(opts, 'r') != NULL;
	cfg->strip_domains = strchr(opts, 'd') ? "example.com, corp.example" : NULL;
	cfg->require_groups = strchr(opts, 'g') ? "admins wheel,sudo" : NULL;
	cfg->require_scope = strchr(opts, 's') ? "openid email" : NULL;
	cfg->require_acr = strchr(opts, 'a') ? "urn:acr:silver phr" : NULL;
	cfg->require_amr = strchr(opts, 'm') ? "mfa hwk otp" : NULL;
	cfg->require_claims = strchr(opts, 'c') ? "hd=example.com,email_verified=true tid=42" : NULL;
}

/* Claims from any source: checked as text (the helper), then mapped and
 * authorised on their tree (the module). */
static void identity(const struct oa2_config *cfg, const char *text, size_t len,
		     const json_object *claims, const char *granted_scope)
{
	char user[OA2_USER_MAX];
	oa2_error err = {0};
	oa2_jobj c = {0};

	if (oa2_jscan_object(&c, text, len, "claims", &err) == 0) {
		(void)oa2_claims_check_id_token(&c, &policy, &err);
		oa2_error_clear(&err);
		(void)oa2_claims_check_introspection(&c, &policy, &err);
		(void)oa2_claims_sub(&c);
	}
	oa2_jobj_clear(&c);
	oa2_error_clear(&err);
	memset(user, 'x', sizeof(user));
	if (oa2_usermap_resolve(cfg, claims, user, &err) == 0) {
		if (!oa2_username_valid(user) || err.kind != OA2_OK)
			abort();
	} else if (user[0] != '\0' || err.kind == OA2_OK) {
		abort(); /* a refused name is never handed out, and the refusal says why */
	}
	oa2_error_clear(&err);
	(void)oa2_authz_check(cfg, claims, granted_scope, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oa2_config cfg = {0};
	char *buf = malloc(size + 1), *p, *end, *uc = NULL, *gc = NULL, *opts = NULL;
	const char *scope = NULL, *id_token = NULL;
	json_object *resp;
	oa2_error err = {0};

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	end = buf + size;
	if (size > 0 && buf[0] != '{') {
		uc = take_line(&p, end);
		gc = uc ? take_line(&p, end) : NULL;
		opts = gc ? take_line(&p, end) : NULL;
		if (opts == NULL)
			goto out;
	}
	cfg.issuer = (char *)policy.issuer;
	cfg.client_id = (char *)policy.client_id;
	cfg.username_claim = uc ? uc : "preferred_username";
	cfg.groups_claim = gc ? gc : "groups";
	cfg.leeway = 60;
	set_options(&cfg, opts ? opts : "ldgsam");
	resp = oa2_json_parse(p, (size_t)(end - p), "token response", &err);
	if (resp == NULL)
		goto out;
	if (oa2_json_string(resp, "scope", &scope) != 0)
		scope = NULL;
	identity(&cfg, p, (size_t)(end - p), resp, scope);
	if (oa2_json_string(resp, "id_token", &id_token) == 0) {
		oa2_jws *jws = oa2_jws_parse(id_token, NULL);
		const char *p = jws != NULL ? strchr(id_token, '.') + 1 : NULL;
		unsigned char *payload = NULL;
		size_t n = 0;
		json_object *claims = NULL;

		/* A token that parsed has three parts. */
		if (p != NULL && oa2_b64url_decode(p, (size_t)(strchr(p, '.') - p), &payload, &n) == 0)
			claims = oa2_json_parse((const char *)payload, n, "JWS payload", NULL);
		if (claims != NULL)
			identity(&cfg, (const char *)payload, n, claims, scope);
		json_object_put(claims);
		free(payload);
		oa2_jws_free(jws);
	}
	json_object_put(resp);
out:
	free(buf);
	return 0;
}
