/* fuzz_discovery.c - libFuzzer target: oa2_discovery_parse against a fixed
 * issuer. The whole input is the document. A document that passes must hold
 * the issuer and https endpoints, as the parser promises; one that fails
 * must leave the result empty.
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/discovery.h"
#include "shared/strutil.h"

#define ISSUER "https://idp.example/realms/test"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int https_or_null(const char *url)
{
	return url == NULL || oa2_is_https_url(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oa2_discovery d;
	oa2_error err = {0};
	char *doc = malloc(size ? size : 1);

	if (doc == NULL)
		return 0;
	memcpy(doc, data, size); /* no NUL: the length is the bound */
	if (oa2_discovery_parse(doc, size, ISSUER, "other.example:8443", &d, &err) == 0) {
		if (d.issuer == NULL || strcmp(d.issuer, ISSUER) != 0 || d.token_endpoint == NULL ||
		    d.jwks_uri == NULL || !https_or_null(d.token_endpoint) ||
		    !https_or_null(d.jwks_uri) || !https_or_null(d.device_authorization_endpoint) ||
		    !https_or_null(d.userinfo_endpoint) || !https_or_null(d.introspection_endpoint) ||
		    err.kind != OA2_OK)
			abort();
	} else if (d.issuer != NULL || d.token_endpoint != NULL || d.jwks_uri != NULL ||
		   err.kind == OA2_OK) {
		abort();
	}
	oa2_discovery_clear(&d);
	free(doc);
	return 0;
}
