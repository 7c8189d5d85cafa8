/* fuzz_device.c - libFuzzer target: the device authorization response
 * parser (oa2_device_code_parse) and the OAuth error parser
 * (oa2_oauth_error) on a fake HTTP response, with the buffer sizes the grant
 * uses and with tiny ones; the refusal message made of it stays printable
 * (the description itself is kept as sent and escaped where it is quoted).
 *
 * The whole input is the body for both. The device parser gets it without a
 * terminating NUL; the error parser gets the NUL-terminated copy the HTTP
 * layer always makes (struct oa2_http_response).
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/device_grant.h"
#include "helper/http.h"
#include "helper/oauth.h"
#include "shared/strutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
	}
}

static void device_code(const uint8_t *data, size_t size)
{
	struct oa2_device_code dc = {0};
	oa2_error err = {0};
	char *body = malloc(size ? size : 1);

	if (body == NULL)
		return;
	memcpy(body, data, size);
	if (oa2_device_code_parse(body, size, &dc, &err) == 0) {
		/* What the grant shows and sends must be what the parser promised. */
		if (!oa2_is_token_chars(dc.user_code) || !oa2_is_https_url(dc.uri) ||
		    (dc.uri_complete != NULL && !oa2_is_https_url(dc.uri_complete)) ||
		    dc.device_code == NULL || dc.device_code[0] == '\0' || dc.expires_in <= 0 ||
		    dc.interval < 1 || dc.interval > 60)
			abort();
	} else if (err.kind == OA2_OK) {
		abort();
	}
	oa2_device_code_clear(&dc);
	free(body);
}

static void oauth_error(const uint8_t *data, size_t size)
{
	struct oa2_http_response resp = {400, NULL, size, -1, 0};
	struct oa2_oauth_refusal why;
	oa2_error err = {0};
	char code[64], desc[160], c1[1], d1[1], c8[8], d8[8];

	resp.body = malloc(size + 1);
	if (resp.body == NULL)
		return;
	memcpy(resp.body, data, size);
	resp.body[size] = '\0';
	oa2_oauth_error(&resp, code, sizeof(code), desc, sizeof(desc));
	check_printable(code);
	if (code[0] != '\0' && !oa2_is_token_chars(code))
		abort();
	oa2_oauth_error(&resp, c1, sizeof(c1), d1, sizeof(d1));
	if (c1[0] != '\0' || d1[0] != '\0')
		abort();
	oa2_oauth_error(&resp, c8, sizeof(c8), d8, sizeof(d8));
	check_printable(c8);
	if (oa2_oauth_answer(&resp, "token endpoint", &why, &err) == 1)
		oa2_oauth_refused(&why, "token endpoint", &err);
	check_printable(err.msg);
	oa2_http_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	device_code(data, size);
	oauth_error(data, size);
	return 0;
}
