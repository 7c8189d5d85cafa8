/* code_grant.c - authorization code + PKCE with a pasted code. */
#include "autoconfig.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "code_grant.h"
#include "oauth.h"
#include "screen.h"
#include "crypto/b64url.h"
#include "shared/i18n.h"
#include "shared/jscan.h"
#include "shared/json.h"
#include "shared/strutil.h"

#define MAX_EMPTY_ANSWERS 3

/* n random bytes as base64url into out (at least 4n/3 + 1 bytes). */
static int random_b64url(char *out, size_t outlen, size_t n, oa2_error *err)
{
	unsigned char raw[32];
	char *enc;
	int rc = -1;

	if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
		return oa2_fail(err, OA2_ERR_INTERNAL, "code grant: no random bytes");
	enc = oa2_b64url_encode(raw, n);
	if (enc != NULL && strlen(enc) < outlen) {
		memcpy(out, enc, strlen(enc) + 1);
		rc = 0;
	} else {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	}
	oa2_free_secret(enc);
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/* RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
static char *challenge(const char *verifier)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(), NULL) != 1)
		return NULL;
	return oa2_b64url_encode(md, mdlen);
}

void oa2_code_request_clear(struct oa2_code_request *req)
{
	if (req == NULL)
		return;
	free(req->url);
	explicit_bzero(req, sizeof(*req));
}

int oa2_code_request_new(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 struct oa2_code_request *req, oa2_error *err)
{
	const char *ep = disc->authorization_endpoint;
	char *query = NULL, *chal = NULL;
	size_t need;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (ep == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "the IdP offers no authorization_endpoint");
	if (cfg->redirect_uri == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "the code grant needs redirect_uri");
	if (random_b64url(req->verifier, sizeof(req->verifier), 32, err) != 0 ||
	    random_b64url(req->state, sizeof(req->state), 16, err) != 0 ||
	    random_b64url(req->nonce, sizeof(req->nonce), 16, err) != 0)
		goto out;
	chal = challenge(req->verifier);
	if (chal == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "code grant: cannot hash the verifier");
		goto out;
	}
	if (oa2_form_add(&query, "response_type", "code", err) != 0 ||
	    oa2_form_add(&query, "client_id", cfg->client_id, err) != 0 ||
	    oa2_form_add(&query, "redirect_uri", cfg->redirect_uri, err) != 0 ||
	    oa2_form_add(&query, "scope", cfg->scope, err) != 0 ||
	    oa2_form_add(&query, "state", req->state, err) != 0 ||
	    oa2_form_add(&query, "nonce", req->nonce, err) != 0 ||
	    oa2_form_add(&query, "code_challenge", chal, err) != 0 ||
	    oa2_form_add(&query, "code_challenge_method", "S256", err) != 0)
		goto out;
	need = strlen(ep) + 1 + strlen(query) + 1;
	req->url = malloc(need);
	if (req->url == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	snprintf(req->url, need, "%s%c%s", ep, strchr(ep, '?') ? '&' : '?', query);
	rc = 0;
out:
	free(query);
	free(chal);
	if (rc != 0)
		oa2_code_request_clear(req);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode n bytes of s; NULL for a bad escape or a NUL byte. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				oa2_free_secret_len(out, n + 1);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

struct params {
	char *code, *state, *error, *desc;
};

static void params_clear(struct params *p)
{
	oa2_free_secret(p->code);
	free(p->state);
	free(p->error);
	free(p->desc);
	memset(p, 0, sizeof(*p));
}

/* name=value&... into p; a parameter given twice or badly escaped is an
 * error; unknown ones are ignored. */
static int parse_query(const char *q, size_t n, struct params *p, oa2_error *err)
{
	const char *end = q + n;

	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(stop - q));
		char **slot = NULL;
		size_t klen;

		if (eq != NULL) {
			klen = (size_t)(eq - q);
			if (klen == 4 && memcmp(q, "code", 4) == 0)
				slot = &p->code;
			else if (klen == 5 && memcmp(q, "state", 5) == 0)
				slot = &p->state;
			else if (klen == 5 && memcmp(q, "error", 5) == 0)
				slot = &p->error;
			else if (klen == 17 && memcmp(q, "error_description", 17) == 0)
				slot = &p->desc;
		}
		if (slot != NULL) {
			if (*slot != NULL)
				return oa2_fail(err, OA2_ERR_DENIED,
						"the pasted address names a parameter twice");
			*slot = pct_decode(eq + 1, (size_t)(stop - eq - 1));
			if (*slot == NULL)
				return oa2_fail(err, OA2_ERR_DENIED,
						"the pasted address is not well-formed");
		}
		q = amp ? amp + 1 : end;
	}
	return 0;
}

static int refused_at_idp(const struct params *p, oa2_error *err)
{
	if (!oa2_is_token_chars(p->error))
		return oa2_fail(err, OA2_ERR_DENIED, "the identity provider refused the login");
	if (strcmp(p->error, "access_denied") == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "the login was denied at the identity provider");
	return oa2_fail(err, OA2_ERR_DENIED, "the identity provider refused the login: %s %s",
			p->error, p->desc ? p->desc : "");
}

/* An answer of 2^k - 1 characters whose state is missing or only the start
 * of this login's was cut by a program on the way, not taken from another
 * login: the OpenSSH client passes at most 1023 characters of an answer,
 * sudo 511, a terminal line 4095 (tests/e2e/test_code_browser.py). */
static bool cut_on_the_way(size_t n, const char *got, const char *state)
{
	size_t k = got != NULL ? strlen(got) : 0;

	if (n < 255 || (n & (n + 1)) != 0)
		return false;
	return got == NULL || (k < strlen(state) && CRYPTO_memcmp(got, state, k) == 0);
}

int oa2_code_answer_parse(const char *answer, const char *state, char **code, oa2_error *err)
{
	struct params p = {0};
	const char *s = answer, *q, *frag;
	size_t n;
	int rc = -1;

	*code = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "nothing was pasted");
	if (n > OA2_CODE_ANSWER_MAX)
		return oa2_fail(err, OA2_ERR_DENIED, "the pasted answer is longer than %d characters",
				OA2_CODE_ANSWER_MAX);
	if (memchr(s, '=', n) == NULL) {
		/* A bare code: PKCE binds it to this login. */
		char *c = strndup(s, n);

		if (c == NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		if (!oa2_is_token_chars(c)) {
			oa2_free_secret(c);
			return oa2_fail(err, OA2_ERR_DENIED, "the pasted code is not well-formed");
		}
		*code = c;
		return 0;
	}
	/* An address or its query: the part after '?', up to a fragment; a
	 * response sent in the fragment instead is read from there. */
	q = memchr(s, '?', n);
	q = q ? q + 1 : s;
	frag = memchr(q, '#', (size_t)(s + n - q));
	if (parse_query(q, (size_t)((frag ? frag : s + n) - q), &p, err) != 0)
		goto out;
	if (p.code == NULL && p.error == NULL && frag != NULL &&
	    parse_query(frag + 1, (size_t)(s + n - frag - 1), &p, err) != 0)
		goto out;
	if (p.error != NULL) {
		refused_at_idp(&p, err);
		goto out;
	}
	if (p.code == NULL || p.code[0] == '\0' || !oa2_is_token_chars(p.code)) {
		oa2_fail(err, OA2_ERR_DENIED, "the pasted address holds no code");
		goto out;
	}
	if (p.state == NULL || strlen(p.state) != strlen(state) ||
	    CRYPTO_memcmp(p.state, state, strlen(state)) != 0) {
		if (cut_on_the_way(n, p.state, state))
			oa2_fail(err, OA2_ERR_DENIED, "the pasted address (%zu characters) lost its "
				 "end: the client may have cut it (OpenSSH's ssh passes at most 1023); "
				 "paste only the code, the text after \"code=\" up to the next \"&\"",
				 n);
		else
			oa2_fail(err, OA2_ERR_DENIED, "the pasted address belongs to another login "
				 "(its state does not match)");
		goto out;
	}
	*code = p.code;
	p.code = NULL;
	rc = 0;
out:
	params_clear(&p);
	return rc;
}

/* What the user reads: see oa2_screen_render_code in screen.h. */
static char *instructions(const struct oa2_config *cfg, const struct oa2_ui *ui,
			  const char *url)
{
	char host[256];
	struct oa2_screen scr;

	oa2_screen_init(&scr, cfg, ui, host, sizeof(host));
	scr.uri = url;
	return oa2_screen_render_code(&scr, NULL);
}

static int is_cancel(const char *answer)
{
	char buf[16];
	size_t n = strlen(answer);

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, answer, n + 1);
	return strcasecmp(oa2_trim(buf), "cancel") == 0;
}

/* Ask until something is pasted (a few empty answers are forgiven). */
static int read_code(const struct oa2_ui *ui, const struct oa2_code_request *req, char **code,
		     oa2_error *err)
{
	for (int tries = 0; tries < MAX_EMPTY_ANSWERS; tries++) {
		char *answer = NULL;
		int rc;

		if (ui->ask(ui->ctx, _("Code or address: "), 1, &answer) != 0 || answer == NULL) {
			oa2_free_secret(answer);
			return oa2_fail(err, OA2_ERR_ABORT, "the conversation ended (user gave up?)");
		}
		if (oa2_trim(answer)[0] == '\0') {
			oa2_free_secret(answer);
			continue;
		}
		if (is_cancel(answer)) {
			oa2_free_secret(answer);
			return oa2_fail(err, OA2_ERR_ABORT, "the user cancelled the login");
		}
		rc = oa2_code_answer_parse(answer, req->state, code, err);
		oa2_free_secret(answer);
		return rc;
	}
	return oa2_fail(err, OA2_ERR_ABORT, "no code was pasted");
}

static int exchange(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		    oa2_http *http, const struct oa2_code_request *req, const char *code,
		    char **token, size_t *len, oa2_error *err)
{
	struct oa2_oauth_refusal why;
	char *form = NULL;
	int rc;

	if (oa2_form_add(&form, "grant_type", "authorization_code", err) != 0 ||
	    oa2_form_add(&form, "code", code, err) != 0 ||
	    oa2_form_add(&form, "redirect_uri", cfg->redirect_uri, err) != 0 ||
	    oa2_form_add(&form, "code_verifier", req->verifier, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	rc = oa2_oauth_request(cfg, http, disc->token_endpoint, "token endpoint", false, &form, token, len,
			       &why, err);
	if (rc <= 0)
		return rc;
	if (strcmp(why.code, "invalid_grant") == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "the identity provider refused the code (expired, "
				"already used, or from another login)");
	return oa2_oauth_refused(&why, "token endpoint", err);
}

int oa2_code_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const struct oa2_ui *ui, struct oa2_code_request *req,
		   char **token, size_t *len, oa2_error *err)
{
	char *text = NULL, *code = NULL;
	int rc = -1;

	*token = NULL;
	*len = 0;
	if (oa2_code_request_new(cfg, disc, req, err) != 0)
		return -1;
	text = instructions(cfg, ui, req->url);
	if (text == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (ui->info(ui->ctx, text) != 0) {
		oa2_fail(err, OA2_ERR_ABORT, "cannot show the login instructions");
		goto out;
	}
	if (read_code(ui, req, &code, err) != 0)
		goto out;
	rc = exchange(cfg, disc, http, req, code, token, len, err);
out:
	if (rc != 0 && ui->error != NULL && err != NULL && err->kind == OA2_ERR_DENIED)
		ui->error(ui->ctx, err->msg);
	oa2_free_secret(code);
	free(text);
	return rc == 0 ? 0 : -1;
}

int oa2_code_nonce_ok(const char *claims, const struct oa2_code_request *req, oa2_error *err)
{
	oa2_jobj c = {0};
	const char *nonce = NULL;
	int rc = 0;

	if (oa2_jscan_object(&c, claims, strlen(claims), "ID token claims", NULL) != 0 ||
	    oa2_jobj_string(&c, "nonce", &nonce) != 0 || strlen(nonce) != strlen(req->nonce) ||
	    CRYPTO_memcmp(nonce, req->nonce, strlen(req->nonce)) != 0)
		rc = oa2_fail(err, OA2_ERR_DENIED, "the ID token's nonce does not belong to this login");
	oa2_jobj_clear(&c);
	return rc;
}
