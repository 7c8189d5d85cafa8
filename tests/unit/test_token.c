/* test_token.c - real signed ID tokens and token responses, end to end,
 * with the dialects of Entra ID (multi-tenant issuer, JWKS keys without alg
 * and with x5c) and Google (iss without scheme).
 *
 * The issuer's JWKS (RSA kid "k1", EC P-256 kid "e1") sits in a warm disk
 * cache; every endpoint points at https://localhost:1 where nothing listens,
 * so any network attempt fails fast with OA2_ERR_UNAVAIL naming the URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper/cache.h"
#include "helper/token.h"
#include "shared/json.h"
#include "vectors/testkeys.h"

#define ISSUER "https://idp.example"
#define JWKS_URI "https://localhost:1/jwks"
#define USERINFO_URI "https://localhost:1/userinfo"

#define H_RS "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}"
#define H_ES "{\"alg\":\"ES256\",\"kid\":\"e1\"}"

static EVP_PKEY *rsa, *ec, *evil_rsa;
static char cache_dir[64];
static char cache_name[128];
static struct oa2_config *cfg;
static struct oa2_discovery disc;
static oa2_http *http;
static time_t now;

/* ---- fixtures ---- */

static void write_jwks(time_t mtime)
{
	char *k1 = tk_jwk(rsa, "\"kid\":\"k1\",\"use\":\"sig\",");
	char *e1 = tk_jwk(ec, "\"kid\":\"e1\",");
	char *doc = tk_fmt("{\"keys\":[%s,%s]}", k1, e1);
	oa2_error err = {0};

	assert_non_null(doc);
	assert_int_equal(oa2_cache_put(cache_dir, cache_name, doc, strlen(doc), now, 3600, &err),
			 0);
	if (mtime != 0) {
		char path[256];
		struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};

		snprintf(path, sizeof(path), "%s/%s", cache_dir, cache_name);
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	free(k1);
	free(e1);
	free(doc);
}

/* Before each test: a freshly written cache and the default policy. */
static int fresh(void **state)
{
	(void)state;
	now = time(NULL);
	cfg->claims_source = OA2_CLAIMS_AUTO;
	write_jwks(0);
	return 0;
}

static int setup(void **state)
{
	oa2_error err = {0};

	(void)state;
	rsa = tk_rsa(2048);
	ec = tk_ec("P-256");
	evil_rsa = tk_rsa(2048);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/oa2-token-XXXXXX");
	if (rsa == NULL || ec == NULL || evil_rsa == NULL || mkdtemp(cache_dir) == NULL ||
	    chmod(cache_dir, 0700) != 0)
		return -1;
	if (oa2_cache_name(ISSUER, "jwks", cache_name, sizeof(cache_name)) != 0)
		return -1;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -1;
	cfg->issuer = strdup(ISSUER);
	cfg->client_id = strdup("pam");
	cfg->username_claim = strdup("preferred_username");
	cfg->cache_dir = strdup(cache_dir);
	cfg->leeway = 60;
	disc.issuer = strdup(ISSUER);
	disc.token_endpoint = strdup("https://localhost:1/token");
	disc.jwks_uri = strdup(JWKS_URI);
	disc.userinfo_endpoint = strdup(USERINFO_URI);
	disc.introspection_endpoint = strdup("https://localhost:1/introspect");
	http = oa2_http_new(NULL, 2, &err);
	return http != NULL && cfg->cache_dir != NULL && disc.jwks_uri != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	int rc;

	(void)state;
	/* the cache file and the keyset's lock files (.jwks-*.lock) */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir);
	rc = system(cmd);
	oa2_http_free(http);
	oa2_discovery_clear(&disc);
	oa2_config_free(cfg);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(evil_rsa);
	return rc == 0 ? 0 : -1;
}

/* ---- token building ---- */

/* A valid claim set with extra members appended (extra starts with ','). */
static char *claims(const char *extra)
{
	return tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		      "\"sub\":\"alice\",\"preferred_username\":\"daemon\"%s}",
		      (long long)now + 300, (long long)now - 10, extra);
}

/* header.payload.signature from raw parts, signature bytes as given. */
static char *raw_token(const char *header, const char *payload, const void *sig, size_t siglen)
{
	char *h = tk_b64(header, strlen(header));
	char *p = tk_b64(payload, strlen(payload));
	char *s = siglen ? tk_b64(sig, siglen) : strdup("");
	char *t = tk_fmt("%s.%s.%s", h, p, s);

	free(h);
	free(p);
	free(s);
	return t;
}

/* ---- running ---- */

struct result {
	int rc;
	struct oa2_fetched fetched;
	oa2_error err;
	char *claims; /* JSON text */
};

static struct result verify(char *jwt)
{
	struct result r = {0};

	assert_non_null(jwt);
	r.fetched.jwks = -1;
	r.rc = oa2_token_verify_id_token(cfg, &disc, http, jwt, now, &r.claims, &r.fetched,
					 &r.err);
	free(jwt);
	return r;
}

static void accepted(int line, char *jwt)
{
	struct result r = verify(jwt);
	const char *s = NULL;
	json_object *t;

	if (r.rc != 0)
		fail_msg("line %d: refused (%s: %s)", line, oa2_errkind_name(r.err.kind),
			 r.err.msg);
	assert_int_equal(r.err.kind, OA2_OK);
	assert_int_equal(r.fetched.jwks, 0);
	assert_non_null(r.claims);
	t = json_tokener_parse(r.claims);
	assert_int_equal(oa2_json_string(t, "sub", &s), 0);
	assert_string_equal(s, "alice");
	json_object_put(t);
	free(r.claims);
}

static void refused(int line, char *jwt, enum oa2_errkind kind, const char *frag)
{
	struct result r = verify(jwt);

	if (r.rc != -1)
		fail_msg("line %d: accepted but should be refused", line);
	if (r.claims != NULL)
		fail_msg("line %d: claims returned with a refusal", line);
	if (r.err.kind != kind)
		fail_msg("line %d: refused as %s, want %s (%s)", line, oa2_errkind_name(r.err.kind),
			 oa2_errkind_name(kind), r.err.msg);
	if (strstr(r.err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' lacks '%s'", line, r.err.msg, frag);
	/* Only the refetch cases may touch the network, and none succeeds. */
	if (r.fetched.jwks != 0)
		fail_msg("line %d: keys fetched is %d", line, r.fetched.jwks);
}

#define OK(jwt) accepted(__LINE__, jwt)
#define NO(jwt, frag) refused(__LINE__, jwt, OA2_ERR_DENIED, frag)

/* Sign with key/alg; header and payload are JSON texts; payload is freed. */
static char *signed_by(EVP_PKEY *key, const char *alg, const char *header, char *payload)
{
	char *t;

	assert_non_null(payload);
	t = tk_sign(key, alg, header, payload);
	free(payload);
	assert_non_null(t);
	return t;
}

static char *signed_ex(EVP_PKEY *key, const char *alg, const char *header, char *payload,
		       int raw_ec)
{
	char *t;

	assert_non_null(payload);
	t = tk_sign_ex(key, alg, header, payload, raw_ec);
	free(payload);
	assert_non_null(t);
	return t;
}

/* ---- ID tokens: accepted ---- */

static void valid_rs256_from_warm_cache(void **state)
{
	struct result r;
	const char *u = NULL;
	json_object *t;

	(void)state;
	r = verify(signed_by(rsa, "RS256", H_RS, claims("")));
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.err.kind, OA2_OK);
	assert_int_equal(r.fetched.jwks, 0);
	t = json_tokener_parse(r.claims);
	assert_int_equal(oa2_json_string(t, "preferred_username", &u), 0);
	assert_string_equal(u, "daemon");
	json_object_put(t);
	free(r.claims);
}

static void valid_es256_from_warm_cache(void **state)
{
	(void)state;
	OK(signed_by(ec, "ES256", H_ES, claims("")));
	/* No kid: the one key of the set that suits the algorithm. */
	OK(signed_by(ec, "ES256", "{\"alg\":\"ES256\"}", claims("")));
	OK(signed_by(rsa, "RS256", "{\"alg\":\"RS256\"}", claims("")));
}

/* ---- ID tokens: claims refused end to end ---- */

static void claims_refused_through_signed_token(void **state)
{
	char *p;

	(void)state;
	p = tk_fmt("{\"iss\":\"https://evil.example\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(rsa, "RS256", H_RS, p), "issuer mismatch");
	p = tk_fmt("{\"iss\":\"" ISSUER "/\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(ec, "ES256", H_ES, p), "issuer mismatch");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"other\",\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(rsa, "RS256", H_RS, p), "audience mismatch");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":[\"a\",\"b\"],\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(rsa, "RS256", H_RS, p), "client_id not in 'aud'");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"azp\":\"x\",\"exp\":%lld,"
		   "\"iat\":%lld,\"sub\":\"alice\"}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(rsa, "RS256", H_RS, p), "authorized party mismatch");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now - 120, (long long)now - 600);
	NO(signed_by(rsa, "RS256", H_RS, p), "token expired");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		   "\"nbf\":%lld,\"sub\":\"alice\"}",
		   (long long)now + 600, (long long)now, (long long)now + 300);
	NO(signed_by(rsa, "RS256", H_RS, p), "not valid before");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		   "\"sub\":\"alice\"}",
		   (long long)now + 600, (long long)now + 300);
	NO(signed_by(ec, "ES256", H_ES, p), "issued in the future");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"sub\":\"alice\"}",
		   (long long)now + 600);
	NO(signed_by(rsa, "RS256", H_RS, p), "'iat' is missing");
	p = tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld}",
		   (long long)now + 300, (long long)now);
	NO(signed_by(rsa, "RS256", H_RS, p), "'sub' is missing");
}

/* ---- ID tokens: signature attacks ---- */

static void alg_none_refused(void **state)
{
	static const char *hdr[] = {
		"{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"alg\":\"NONE\"}",
		"{\"alg\":\"nOnE\",\"kid\":\"k1\"}", "{\"alg\":\"none\",\"typ\":\"JWT\"}",
	};
	char *p;

	(void)state;
	for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		p = claims("");
		NO(raw_token(hdr[i], p, "sig", 3), "alg none");
		NO(raw_token(hdr[i], p, NULL, 0), "JWS");
		free(p);
	}
	/* Other empty or unknown algs. */
	p = claims("");
	NO(raw_token("{\"alg\":\"\"}", p, "sig", 3), "not allowed");
	NO(raw_token("{\"kid\":\"k1\"}", p, "sig", 3), "\"alg\" missing");
	NO(raw_token("{\"alg\":null}", p, "sig", 3), "\"alg\" missing");
	NO(raw_token("{\"alg\":\"none \"}", p, "sig", 3), "not allowed");
	free(p);
}

/* HMAC over the token with the public key's bytes as secret: the classic
 * RS256 -> HS256 confusion. */
static char *hmac_token(const char *header, const void *secret, size_t slen, const EVP_MD *md)
{
	char *p = claims("");
	char *h = tk_b64(header, strlen(header));
	char *pb = tk_b64(p, strlen(p));
	char *input = tk_fmt("%s.%s", h, pb);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *sig, *t;

	assert_non_null(HMAC(md, secret, (int)slen, (unsigned char *)input, strlen(input), mac,
			     &maclen));
	sig = tk_b64(mac, maclen);
	t = tk_fmt("%s.%s", input, sig);
	free(p);
	free(h);
	free(pb);
	free(input);
	free(sig);
	return t;
}

static void hs256_with_public_key_refused(void **state)
{
	unsigned char *der = NULL;
	int derlen;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long pemlen;
	char *jwk = tk_jwk(rsa, "");

	(void)state;
	derlen = i2d_PUBKEY(rsa, &der);
	assert_true(derlen > 0);
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	assert_true(pemlen > 0);
	NO(hmac_token("{\"alg\":\"HS256\",\"kid\":\"k1\"}", der, (size_t)derlen, EVP_sha256()),
	   "HMAC algorithm HS256 refused");
	NO(hmac_token("{\"alg\":\"HS256\"}", pem, (size_t)pemlen, EVP_sha256()),
	   "HMAC algorithm HS256 refused");
	NO(hmac_token("{\"alg\":\"hs256\",\"kid\":\"k1\"}", pem, (size_t)pemlen, EVP_sha256()),
	   "HMAC algorithm hs256 refused");
	NO(hmac_token("{\"alg\":\"HS384\",\"kid\":\"k1\"}", der, (size_t)derlen, EVP_sha384()),
	   "HMAC algorithm HS384 refused");
	NO(hmac_token("{\"alg\":\"HS512\",\"kid\":\"k1\"}", jwk, strlen(jwk), EVP_sha512()),
	   "HMAC algorithm HS512 refused");
	OPENSSL_free(der);
	BIO_free(bio);
	free(jwk);
}

static void key_type_confusion_refused(void **state)
{
	(void)state;
	/* RS256 claimed for the EC key's kid (signed by that EC key). */
	NO(signed_ex(ec, "ES256", "{\"alg\":\"RS256\",\"kid\":\"e1\"}", claims(""), 1),
	   "no single key in the JWKS suits RS256 with that kid");
	/* ES256 claimed for the RSA key's kid (signed by that RSA key). */
	NO(signed_ex(rsa, "RS256", "{\"alg\":\"ES256\",\"kid\":\"k1\"}", claims(""), 1),
	   "no single key in the JWKS suits ES256 with that kid");
	/* PS256 on an RSA key is a different algorithm from RS256: the
	 * signature must be checked as PSS, and a PKCS#1 v1.5 one fails. */
	NO(signed_ex(rsa, "RS256", "{\"alg\":\"PS256\",\"kid\":\"k1\"}", claims(""), 1),
	   "does not verify");
}

static void embedded_or_remote_keys_ignored(void **state)
{
	char *evil_jwk = tk_jwk(evil_rsa, "\"kid\":\"k1\",");
	char *h;

	(void)state;
	h = tk_fmt("{\"alg\":\"RS256\",\"kid\":\"k1\",\"jwk\":%s}", evil_jwk);
	NO(signed_by(evil_rsa, "RS256", h, claims("")), "RS256 signature does not verify");
	free(h);
	h = tk_fmt("{\"alg\":\"RS256\",\"jwk\":%s}", evil_jwk);
	NO(signed_by(evil_rsa, "RS256", h, claims("")), "RS256 signature does not verify");
	free(h);
	h = tk_fmt("{\"alg\":\"RS256\",\"kid\":\"evil\",\"jwk\":%s}", evil_jwk);
	NO(signed_by(evil_rsa, "RS256", h, claims("")), "no key with kid \"evil\"");
	free(h);
	NO(signed_by(evil_rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k1\",\"jku\":\"https://evil.example/jwks\"}",
		     claims("")),
	   "RS256 signature does not verify");
	NO(signed_by(evil_rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k1\",\"x5u\":\"https://evil.example/x.pem\"}",
		     claims("")),
	   "RS256 signature does not verify");
	NO(signed_by(evil_rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k2\",\"jku\":\"https://evil.example/jwks\"}",
		     claims("")),
	   "no key with kid \"k2\"");
	/* And a genuine token that carries jku is verified with the configured
	 * keys only: accepted without any fetch. */
	OK(signed_by(rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k1\",\"jku\":\"https://evil.example/jwks\"}",
		     claims("")));
	free(evil_jwk);
}

static void crit_and_typ_refused(void **state)
{
	(void)state;
	NO(signed_by(rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"exp\"],\"exp\":1}",
		     claims("")),
	   "\"crit\" header refused");
	NO(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[]}", claims("")),
	   "\"crit\" header refused");
	NO(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"logout+jwt\"}",
		     claims("")),
	   "not a JWT type");
}

/* RFC 9068 access tokens are signed with the same keys: a genuine one, with
 * every claim an ID token needs, must still not pass as an ID token. */
static void access_token_typ_refused_as_id_token(void **state)
{
	static const char *const typs[] = {"at+jwt", "AT+JWT", "application/at+jwt",
					   "Application/At+JWT"};
	char h[128];

	(void)state;
	for (size_t i = 0; i < sizeof(typs) / sizeof(typs[0]); i++) {
		snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"%s\"}",
			 typs[i]);
		NO(signed_by(rsa, "RS256", h, claims("")), "marks an access token (at+jwt)");
	}
	NO(signed_by(ec, "ES256", "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", claims("")),
	   "marks an access token");
	/* The ID token types still pass. */
	OK(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"jwt\"}",
		     claims("")));
	OK(signed_by(rsa, "RS256",
		     "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"application/JWT\"}",
		     claims("")));
}

/* OIDC Core 3.1.3.7 through a signed token: several audiences need azp. */
static void several_audiences_need_azp(void **state)
{
	(void)state;
	NO(signed_by(rsa, "RS256", H_RS,
		     tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":[\"pam\",\"api\"],\"exp\":%lld,"
			    "\"iat\":%lld,\"sub\":\"alice\"}",
			    (long long)now + 300, (long long)now)),
	   "'azp' is missing although 'aud' has 2 values");
	NO(signed_by(rsa, "RS256", H_RS,
		     tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":[\"pam\",\"api\"],\"azp\":\"api\","
			    "\"exp\":%lld,\"iat\":%lld,\"sub\":\"alice\"}",
			    (long long)now + 300, (long long)now)),
	   "authorized party mismatch");
	OK(signed_by(rsa, "RS256", H_RS,
		     tk_fmt("{\"iss\":\"" ISSUER "\",\"aud\":[\"pam\",\"api\"],\"azp\":\"pam\","
			    "\"exp\":%lld,\"iat\":%lld,\"sub\":\"alice\"}",
			    (long long)now + 300, (long long)now)));
}

static void tampered_or_foreign_signature_refused(void **state)
{
	char *t = signed_by(rsa, "RS256", H_RS, claims(""));
	char *p = claims(",\"x\":1");
	char *pb = tk_b64(p, strlen(p));
	char *d1 = strchr(t, '.'), *d2 = strchr(d1 + 1, '.');
	char *forged = tk_fmt("%.*s.%s%s", (int)(d1 - t), t, pb, d2);

	(void)state;
	NO(forged, "RS256 signature does not verify");
	/* The same token with its signature cut short or emptied. */
	NO(tk_fmt("%.*s", (int)(strlen(t) - 4), t), "JWS");
	NO(tk_fmt("%.*s", (int)(d2 - t + 1), t), "JWS");
	free(t);
	free(p);
	free(pb);
	t = signed_by(ec, "ES256", H_ES, claims(""));
	d1 = strchr(t, '.');
	d2 = strchr(d1 + 1, '.');
	p = claims(",\"preferred_username\":\"root\"");
	pb = tk_b64(p, strlen(p));
	NO(tk_fmt("%.*s.%s%s", (int)(d1 - t), t, pb, d2), "ES256 signature does not verify");
	free(t);
	free(p);
	free(pb);
	/* Another RSA key presenting our kid. */
	NO(signed_by(evil_rsa, "RS256", H_RS, claims("")), "RS256 signature does not verify");
	/* A DER (not raw r||s) ECDSA signature is not what JOSE specifies. */
	NO(signed_ex(ec, "ES256", H_ES, claims(""), 0), "JWS");
}

/* ---- key rotation: the rate-limited refetch ---- */

static void unknown_kid_with_fresh_cache_makes_no_request(void **state)
{
	(void)state;
	NO(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k9\"}", claims("")),
	   "no key with kid \"k9\"");
	/* Same for a flood: each is refused on the spot, none reaches the net. */
	for (int i = 0; i < 3; i++)
		NO(signed_by(evil_rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"new\"}", claims("")),
		   "no key with kid \"new\"");
}

static void unknown_kid_with_old_cache_refetches(void **state)
{
	struct result r;

	(void)state;
	write_jwks(now - 120);
	r = verify(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k9\"}", claims("")));
	assert_int_equal(r.rc, -1);
	assert_null(r.claims);
	if (r.err.kind != OA2_ERR_UNAVAIL)
		fail_msg("refused as %s (%s), want a refetch attempt (unavailable)",
			 oa2_errkind_name(r.err.kind), r.err.msg);
	assert_non_null(strstr(r.err.msg, JWKS_URI));
	assert_int_equal(r.fetched.jwks, 0);
	/* A known kid never triggers the refetch, however old the file. */
	write_jwks(now - 120);
	OK(signed_by(rsa, "RS256", H_RS, claims("")));
}

static void no_cache_means_fetch(void **state)
{
	char path[256];
	struct result r;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", cache_dir, cache_name);
	assert_int_equal(unlink(path), 0);
	r = verify(signed_by(rsa, "RS256", H_RS, claims("")));
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err.kind, OA2_ERR_UNAVAIL);
	assert_non_null(strstr(r.err.msg, JWKS_URI));
}

/* ---- provider dialects ---- */

/* Store doc as the JWKS of issuer in the warm cache. */
static void put_jwks(const char *issuer, const char *doc)
{
	char name[128];
	oa2_error err = {0};

	assert_non_null(doc);
	assert_int_equal(oa2_cache_name(issuer, "jwks", name, sizeof(name)), 0);
	assert_int_equal(oa2_cache_put(cache_dir, name, doc, strlen(doc), now, 3600, &err), 0);
}

static void drop_jwks(const char *issuer)
{
	char name[128], path[256];

	assert_int_equal(oa2_cache_name(issuer, "jwks", name, sizeof(name)), 0);
	snprintf(path, sizeof(path), "%s/%s", cache_dir, name);
	unlink(path);
}

/* Point cfg and disc at another issuer (NULL: back to ISSUER). */
static void use_issuer(const char *issuer, const char *doc_issuer, int multi_tenant,
		       const char *require_claims)
{
	free(cfg->issuer);
	free(disc.issuer);
	free(cfg->require_claims);
	cfg->issuer = strdup(issuer ? issuer : ISSUER);
	disc.issuer = strdup(doc_issuer ? doc_issuer : ISSUER);
	disc.multi_tenant = multi_tenant;
	cfg->require_claims = require_claims ? strdup(require_claims) : NULL;
}

static char *claims_iss(const char *iss, const char *extra)
{
	return tk_fmt("{\"iss\":\"%s\",\"aud\":\"pam\",\"exp\":%lld,\"iat\":%lld,"
		      "\"sub\":\"alice\"%s}",
		      iss, (long long)now + 300, (long long)now - 10, extra);
}

/* Entra ID's JWKS: RSA keys with kid, x5t, x5c and an "issuer" template, no
 * "alg". The key is chosen by kid and type for the token's alg; x5c and x5t
 * are never key material (a key with only x5c is skipped). */
static char *entra_jwks(EVP_PKEY *key, const char *kid)
{
	char *k = tk_jwk(key, "");
	char *other = tk_jwk(evil_rsa, "");
	char *doc;

	/* tk_jwk gives {"kty":...}: splice the Entra members in front */
	doc = tk_fmt("{\"keys\":[{\"kid\":\"%s\",\"use\":\"sig\",\"x5t\":\"%s\","
		     "\"issuer\":\"https://login.microsoftonline.com/{tenantid}/v2.0\","
		     "\"x5c\":[\"MIIC/DCCAeSgAwIBAgIIcertificate\"],%s,"
		     "{\"kid\":\"only-x5c\",\"kty\":\"RSA\",\"use\":\"sig\","
		     "\"x5c\":[\"MIIC/DCCAeSgAwIBAgIIcertificate\"]},"
		     "{\"kid\":\"other\",\"use\":\"sig\",%s]}",
		     kid, kid, k + 1, other + 1);
	free(k);
	free(other);
	return doc;
}

#define MS "https://login.microsoftonline.com/"
#define TID "9188040d-6c67-4c5b-b112-36a304b66dad"

static void entra_multi_tenant_tokens(void **state)
{
	char *jwks = entra_jwks(rsa, "nOo3ZDrODXEK1jKWhXslHR_KXEg");
	const char *h = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"nOo3ZDrODXEK1jKWhXslHR_KXEg\"}";
	const char *tid = ",\"tid\":\"" TID "\",\"ver\":\"2.0\"";

	(void)state;
	use_issuer(MS "organizations/v2.0", MS "{tenantid}/v2.0", 1, "tid=" TID);
	put_jwks(cfg->issuer, jwks);
	OK(signed_by(rsa, "RS256", h, claims_iss(MS TID "/v2.0", tid)));
	/* another tenant's token carries that tenant's issuer: the signature
	 * and iss pass here; require_claims (authz.c) refuses the tenant */
	OK(signed_by(rsa, "RS256", h,
		     claims_iss(MS "72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
				",\"tid\":\"72f988bf-86f1-41af-91ab-2d7cd011db47\"")));
	NO(signed_by(rsa, "RS256", h,
		     claims_iss(MS "72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", tid)),
	   "not the issuer of its tenant " TID);
	NO(signed_by(rsa, "RS256", h, claims_iss(MS "{tenantid}/v2.0", tid)),
	   "not the issuer of its tenant");
	NO(signed_by(rsa, "RS256", h, claims_iss(MS "organizations/v2.0", tid)),
	   "not the issuer of its tenant");
	NO(signed_by(rsa, "RS256", h, claims_iss(MS TID "/v2.0", "")), "claim 'tid' is missing");
	NO(signed_by(rsa, "RS256", h, claims_iss(MS "../v2.0", ",\"tid\":\"..\"")),
	   "not a tenant id");
	/* the key comes from the JWKS by kid; nothing in x5c counts */
	NO(signed_by(evil_rsa, "RS256", h, claims_iss(MS TID "/v2.0", tid)),
	   "RS256 signature does not verify");
	NO(signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"only-x5c\"}",
		     claims_iss(MS TID "/v2.0", tid)),
	   "no key with kid \"only-x5c\"");
	OK(signed_by(evil_rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"other\"}",
		     claims_iss(MS TID "/v2.0", tid)));
	/* a key without alg suits RS256 and PS256, never ES256 or HS256 */
	OK(signed_by(rsa, "PS256", "{\"alg\":\"PS256\",\"kid\":\"nOo3ZDrODXEK1jKWhXslHR_KXEg\"}",
		     claims_iss(MS TID "/v2.0", tid)));
	NO(signed_ex(ec, "ES256", "{\"alg\":\"ES256\",\"kid\":\"nOo3ZDrODXEK1jKWhXslHR_KXEg\"}",
		     claims_iss(MS TID "/v2.0", tid), 1),
	   "no single key in the JWKS suits ES256 with that kid");
	/* without a tid= condition the multi-tenant issuer is a configuration
	 * error, before any token is looked at */
	use_issuer(MS "organizations/v2.0", MS "{tenantid}/v2.0", 1, "hd=x");
	refused(__LINE__, signed_by(rsa, "RS256", h, claims_iss(MS TID "/v2.0", tid)),
		OA2_ERR_CONFIG, "is multi-tenant");
	/* a per-tenant issuer is exact as ever: another tenant's iss fails */
	use_issuer(MS TID "/v2.0", NULL, 0, NULL);
	free(disc.issuer);
	disc.issuer = strdup(MS TID "/v2.0");
	put_jwks(cfg->issuer, jwks);
	OK(signed_by(rsa, "RS256", h, claims_iss(MS TID "/v2.0", tid)));
	NO(signed_by(rsa, "RS256", h,
		     claims_iss(MS "72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
				",\"tid\":\"72f988bf-86f1-41af-91ab-2d7cd011db47\"")),
	   "issuer mismatch");
	drop_jwks(MS TID "/v2.0");
	drop_jwks(MS "organizations/v2.0");
	use_issuer(NULL, NULL, 0, NULL);
	free(jwks);
}

static void google_iss_without_scheme_signed(void **state)
{
	char *k = tk_jwk(rsa, "\"kid\":\"g1\",\"use\":\"sig\",\"alg\":\"RS256\",");
	char *jwks = tk_fmt("{\"keys\":[%s]}", k);
	const char *h = "{\"alg\":\"RS256\",\"kid\":\"g1\",\"typ\":\"JWT\"}";

	(void)state;
	use_issuer("https://accounts.google.com", NULL, 0, NULL);
	free(disc.issuer);
	disc.issuer = strdup("https://accounts.google.com");
	put_jwks(cfg->issuer, jwks);
	OK(signed_by(rsa, "RS256", h, claims_iss("accounts.google.com", ",\"hd\":\"example.com\"")));
	OK(signed_by(rsa, "RS256", h, claims_iss("https://accounts.google.com", "")));
	NO(signed_by(rsa, "RS256", h, claims_iss("accounts.google.com.evil", "")), "issuer mismatch");
	NO(signed_by(rsa, "RS256", h, claims_iss("https://accounts.google.com/", "")),
	   "issuer mismatch");
	drop_jwks(cfg->issuer);
	/* for every other issuer the scheme-less form is a mismatch */
	use_issuer(NULL, NULL, 0, NULL);
	NO(signed_by(rsa, "RS256", H_RS, claims_iss("idp.example", "")), "issuer mismatch");
	free(k);
	free(jwks);
}

/* ---- token responses ---- */

struct vresult {
	int rc;
	oa2_error err;
	struct oa2_identity id;
};

static struct vresult validate(char *body)
{
	struct vresult r;

	memset(&r, 0, sizeof(r));
	assert_non_null(body);
	r.rc = oa2_token_validate(cfg, &disc, http, body, strlen(body), now, &r.id, &r.err);
	free(body);
	return r;
}

static void response_refused(int line, char *body, enum oa2_errkind kind, const char *frag)
{
	struct vresult r = validate(body);

	if (r.rc != -1)
		fail_msg("line %d: accepted but should be refused", line);
	if (r.err.kind != kind)
		fail_msg("line %d: refused as %s, want %s (%s)", line, oa2_errkind_name(r.err.kind),
			 oa2_errkind_name(kind), r.err.msg);
	if (strstr(r.err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' lacks '%s'", line, r.err.msg, frag);
	if (r.id.claims != NULL || r.id.scope != NULL || r.id.source != NULL)
		fail_msg("line %d: identity filled in despite the refusal", line);
}

#define RESP_NO(body, kind, frag) response_refused(__LINE__, body, kind, frag)

static char *response_with(const char *jwt, const char *extra)
{
	return tk_fmt("{\"access_token\":\"at-123\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		      "\"id_token\":\"%s\"%s}",
		      jwt, extra);
}

static void response_valid(void **state)
{
	char *jwt = signed_by(rsa, "RS256", H_RS, claims(""));
	struct vresult r = validate(response_with(jwt, ",\"scope\":\"openid profile\""));
	const char *u = NULL;
	json_object *t;

	(void)state;
	free(jwt);
	if (r.rc != 0)
		fail_msg("refused: %s: %s", oa2_errkind_name(r.err.kind), r.err.msg);
	assert_int_equal(r.err.kind, OA2_OK);
	assert_string_equal(r.id.source, "id_token");
	assert_int_equal(r.id.fetched.jwks, 0);
	assert_non_null(r.id.claims);
	t = json_tokener_parse(r.id.claims);
	assert_int_equal(oa2_json_string(t, "preferred_username", &u), 0);
	assert_string_equal(u, "daemon");
	json_object_put(t);
	assert_non_null(r.id.scope);
	assert_string_equal(r.id.scope, "openid profile");
	oa2_identity_clear(&r.id);
	assert_null(r.id.claims);
	assert_null(r.id.scope);
	/* token_type is case-insensitive (RFC 6749 5.1); no scope: NULL. */
	jwt = signed_by(ec, "ES256", H_ES, claims(""));
	r = validate(tk_fmt("{\"access_token\":\"a\",\"token_type\":\"bearer\","
			    "\"id_token\":\"%s\"}",
			    jwt));
	free(jwt);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.id.source, "id_token");
	assert_null(r.id.scope);
	oa2_identity_clear(&r.id);
	/* Entra ID: "expires_in" as a string, members of its own, BEARER. */
	jwt = signed_by(rsa, "RS256", H_RS, claims(""));
	r = validate(tk_fmt("{\"token_type\":\"BEARER\",\"scope\":\"openid profile\","
			    "\"expires_in\":\"3599\",\"ext_expires_in\":\"3599\","
			    "\"access_token\":\"a\",\"id_token\":\"%s\"}",
			    jwt));
	free(jwt);
	if (r.rc != 0)
		fail_msg("Entra-style response refused: %s", r.err.msg);
	oa2_identity_clear(&r.id);
}

static void response_refusals(void **state)
{
	char *jwt = signed_by(rsa, "RS256", H_RS, claims(""));
	char *bad = signed_by(evil_rsa, "RS256", H_RS, claims(""));

	(void)state;
	cfg->claims_source = OA2_CLAIMS_ID_TOKEN;
	RESP_NO(strdup("{\"access_token\":\"at\",\"token_type\":\"Bearer\"}"), OA2_ERR_DENIED,
		"no id_token");
	RESP_NO(strdup("{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"id_token\":null}"),
		OA2_ERR_DENIED, "no id_token");
	cfg->claims_source = OA2_CLAIMS_AUTO;
	RESP_NO(tk_fmt("{\"access_token\":\"at\",\"token_type\":\"mac\",\"id_token\":\"%s\"}", jwt),
		OA2_ERR_PROTOCOL, "token_type is not Bearer");
	RESP_NO(tk_fmt("{\"access_token\":\"at\",\"id_token\":\"%s\"}", jwt), OA2_ERR_PROTOCOL,
		"token_type is not Bearer");
	RESP_NO(strdup("{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"id_token\":42}"),
		OA2_ERR_PROTOCOL, "wrong type");
	RESP_NO(tk_fmt("{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"id_token\":[\"%s\"]}",
		       jwt),
		OA2_ERR_PROTOCOL, "wrong type");
	RESP_NO(tk_fmt("{\"access_token\":7,\"token_type\":\"Bearer\",\"id_token\":\"%s\"}", jwt),
		OA2_ERR_PROTOCOL, "wrong type");
	RESP_NO(tk_fmt("{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"scope\":[\"openid\"],"
		       "\"id_token\":\"%s\"}",
		       jwt),
		OA2_ERR_PROTOCOL, "wrong type");
	RESP_NO(strdup("<html>502 Bad Gateway</html>"), OA2_ERR_PROTOCOL, "token response");
	RESP_NO(strdup("{\"access_token\":\"at\""), OA2_ERR_PROTOCOL, "token response");
	RESP_NO(strdup("[]"), OA2_ERR_PROTOCOL, "token response");
	RESP_NO(response_with(jwt, "} {"), OA2_ERR_PROTOCOL, "token response");
	/* A bad id_token sinks the whole response. */
	RESP_NO(response_with(bad, ""), OA2_ERR_DENIED, "id_token: JWS: RS256 signature does not");
	free(jwt);
	free(bad);
}

static void userinfo_source_still_checks_id_token(void **state)
{
	char *jwt = signed_by(rsa, "RS256", H_RS, claims(""));
	char *bad = signed_by(evil_rsa, "RS256", H_RS, claims(""));

	(void)state;
	cfg->claims_source = OA2_CLAIMS_USERINFO;
	/* The id_token is verified first, then userinfo is called (and fails). */
	RESP_NO(response_with(jwt, ""), OA2_ERR_UNAVAIL, USERINFO_URI);
	RESP_NO(response_with(bad, ""), OA2_ERR_DENIED, "signature does not verify");
	RESP_NO(strdup("{\"token_type\":\"Bearer\"}"), OA2_ERR_DENIED, "no access_token");
	/* auto, no id_token, public client: userinfo. */
	cfg->claims_source = OA2_CLAIMS_AUTO;
	RESP_NO(strdup("{\"access_token\":\"at\",\"token_type\":\"Bearer\"}"), OA2_ERR_UNAVAIL,
		USERINFO_URI);
	free(jwt);
	free(bad);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh)
	const struct CMUnitTest tests[] = {
		T(valid_rs256_from_warm_cache),
		T(valid_es256_from_warm_cache),
		T(claims_refused_through_signed_token),
		T(alg_none_refused),
		T(hs256_with_public_key_refused),
		T(key_type_confusion_refused),
		T(embedded_or_remote_keys_ignored),
		T(crit_and_typ_refused),
		T(access_token_typ_refused_as_id_token),
		T(several_audiences_need_azp),
		T(tampered_or_foreign_signature_refused),
		T(unknown_kid_with_fresh_cache_makes_no_request),
		T(unknown_kid_with_old_cache_refetches),
		T(no_cache_means_fetch),
		T(response_valid),
		T(response_refusals),
		T(userinfo_source_still_checks_id_token),
		T(entra_multi_tenant_tokens),
		T(google_iss_without_scheme_signed),
	};
#undef T

	return cmocka_run_group_tests(tests, setup, teardown);
}
