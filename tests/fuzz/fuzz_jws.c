/* fuzz_jws.c - libFuzzer target: compact JWS and JWKS parsing, verification,
 * then the ID token claim checks on the parsed payload.
 *
 * Input: "<compact JWS>\n--\n<JWKS JSON>". Without the separator the whole
 * input is tried as a token against a fixed JWKS and as a JWKS. The claims of
 * every token that parses go through oa2_claims_check_id_token with a fixed
 * policy, whether or not its signature verifies: oa2_jws_claims gives them
 * only after a verification, so the payload is decoded and scanned here as
 * oa2_jws_claims would. What the scanner takes, json-c (the module's tree of
 * the same text) must take too.
 *
 * Run with tests/fuzz/run.sh (see tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/b64url.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "helper/claims.h"
#include "shared/jscan.h"
#include "shared/json.h"

#define SEP "\n--\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_jwks[] =
	"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"p256\",\"crv\":\"P-256\","
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
	"{\"kty\":\"OKP\",\"kid\":\"ed\",\"crv\":\"Ed25519\","
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";

/* A fixed policy: what a seed token made for the test IdP would meet. */
static const struct oa2_claims_policy policy = {
	.issuer = "https://idp.example",
	.client_id = "pam",
	.now = 1700000000,
	.leeway = 60,
};

/* The claim checks on the payload of a token that parsed. */
static void check_payload(const char *token)
{
	const char *p = strchr(token, '.') + 1, *end = strchr(p, '.');
	unsigned char *buf = NULL;
	size_t len = 0;
	oa2_error err = { 0 };
	oa2_jobj c = { 0 };
	json_object *tree;

	if (oa2_b64url_decode(p, (size_t)(end - p), &buf, &len) != 0)
		return;
	if (oa2_jscan_object(&c, (const char *)buf, len, "JWS payload", &err) == 0) {
		(void)oa2_claims_check_id_token(&c, &policy, &err);
		(void)oa2_claims_sub(&c);
		tree = oa2_json_parse((const char *)buf, len, "JWS payload", NULL);
		if (tree == NULL)
			abort(); /* the helper would hand the module text it cannot read */
		json_object_put(tree);
	}
	oa2_jobj_clear(&c);
	free(buf);
}

static void run(const char *token, const char *json, size_t jlen)
{
	oa2_error err = { 0 };
	oa2_jwks *jwks = oa2_jwks_parse(json, jlen, &err);
	oa2_jws *jws = oa2_jws_parse(token, &err);

	if (jws != NULL) {
		if (oa2_jws_claims(jws, &err) != NULL)
			abort(); /* claims before verification */
		check_payload(token);
	}
	if (jws != NULL && jwks != NULL) {
		if (oa2_jws_verify(jws, jwks, &err) == 0)
			(void)oa2_claims_check_id_token(oa2_jws_claims(jws, &err), &policy, &err);
		(void)oa2_jwks_find(jwks, oa2_jws_kid(jws), oa2_jws_alg(jws));
	}
	oa2_jws_free(jws);
	oa2_jwks_free(jwks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *sep;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	sep = strstr(buf, SEP);
	if (sep != NULL) {
		*sep = '\0';
		sep += strlen(SEP);
		run(buf, sep, size - (size_t)(sep - buf));
	} else {
		run(buf, fixed_jwks, sizeof(fixed_jwks) - 1);
		run("", buf, size);
	}
	free(buf);
	return 0;
}
