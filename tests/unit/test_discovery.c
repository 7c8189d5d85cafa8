/* test_discovery.c - the discovery document's endpoints must be on the
 * issuer's origin (scheme, host, port) or on a host the administrator listed
 * in endpoint_hosts; anything else is refused naming the endpoint and host.
 * An issuer other than the configured one passes only as Entra ID's
 * multi-tenant {tenantid} template, under the narrow rule of discovery.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "helper/discovery.h"

#define ISSUER "https://idp.example"

/* A document whose token endpoint is tok (other endpoints on the issuer). */
static int parse(const char *tok, const char *hosts, oa2_error *err)
{
	struct oa2_discovery d = {0};
	char doc[1024];
	int rc;

	snprintf(doc, sizeof(doc),
		 "{\"issuer\":\"" ISSUER "\",\"token_endpoint\":\"%s\","
		 "\"jwks_uri\":\"" ISSUER "/jwks\",\"userinfo_endpoint\":\"" ISSUER ":443/me\"}",
		 tok);
	oa2_error_clear(err);
	rc = oa2_discovery_parse(doc, strlen(doc), ISSUER, hosts, &d, err);
	if (rc == 0)
		assert_string_equal(d.token_endpoint, tok);
	oa2_discovery_clear(&d);
	return rc;
}

static void ok(int line, const char *tok, const char *hosts)
{
	oa2_error err = {0};

	if (parse(tok, hosts, &err) != 0)
		fail_msg("line %d: %s refused: %s", line, tok, err.msg);
}

static void refused(int line, const char *tok, const char *hosts, const char *host)
{
	oa2_error err = {0};
	char want[200];

	snprintf(want, sizeof(want), "'token_endpoint' is on host %s, neither", host);
	if (parse(tok, hosts, &err) == 0)
		fail_msg("line %d: %s accepted", line, tok);
	if (err.kind != OA2_ERR_PROTOCOL || strstr(err.msg, want) == NULL)
		fail_msg("line %d: %s: '%s' lacks '%s'", line, oa2_errkind_name(err.kind), err.msg,
			 want);
}

#define OK(tok, hosts) ok(__LINE__, tok, hosts)
#define NO(tok, hosts, host) refused(__LINE__, tok, hosts, host)

static void issuer_origin_accepted(void **state)
{
	(void)state;
	OK(ISSUER "/token", NULL);
	OK("https://IDP.example/token", NULL);     /* host names are case-insensitive */
	OK("https://idp.example:443/token", NULL); /* the default port */
	OK("https://idp.example?x", NULL);
}

static void foreign_endpoint_refused(void **state)
{
	(void)state;
	NO("https://evil.example/token", NULL, "evil.example");
	NO("https://idp.example.evil.example/token", NULL, "idp.example.evil.example");
	NO("https://idp.example:8443/token", NULL, "idp.example:8443"); /* another port */
	NO("https://evil.example/token", "", "evil.example");
	NO("https://evil.example/token", "other.example evil.example:444", "evil.example");
	NO("https://evil.example:444/token", "evil.example", "evil.example:444");
	NO("https://evil.example/token", "evil.exampl", "evil.example");
	NO("https://evil.example/token", "vil.example", "evil.example");
}

static void listed_hosts_accepted(void **state)
{
	(void)state;
	OK("https://oauth2.googleapis.com/token", "oauth2.googleapis.com www.googleapis.com");
	OK("https://www.googleapis.com/token", "oauth2.googleapis.com, www.googleapis.com");
	OK("https://OAuth2.GoogleAPIs.com/token", "oauth2.googleapis.com");
	OK("https://other.example:8443/token", "other.example:8443");
	OK("https://other.example/token", "other.example:443");
	OK("https://other.example:443/token", "other.example");
}

static void every_endpoint_is_checked(void **state)
{
	static const char *const keys[] = {"jwks_uri", "device_authorization_endpoint",
					   "userinfo_endpoint", "introspection_endpoint"};
	struct oa2_discovery d = {0};
	oa2_error err = {0};
	char doc[1024], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(doc, sizeof(doc),
			 "{\"issuer\":\"" ISSUER "\",\"token_endpoint\":\"" ISSUER "/token\","
			 "%s\"%s\":\"https://evil.example/x\"}",
			 strcmp(keys[i], "jwks_uri") == 0 ? "" : "\"jwks_uri\":\"" ISSUER "/jwks\",",
			 keys[i]);
		snprintf(want, sizeof(want), "'%s' is on host evil.example", keys[i]);
		oa2_error_clear(&err);
		assert_int_equal(oa2_discovery_parse(doc, strlen(doc), ISSUER, NULL, &d, &err), -1);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
		if (strstr(err.msg, want) == NULL)
			fail_msg("%s: '%s' lacks '%s'", keys[i], err.msg, want);
		assert_null(d.token_endpoint);
	}
}

#define MS "https://login.microsoftonline.com"

/* Parse a document whose issuer is doc_iss, configured as issuer. */
static int parse_issuer(const char *doc_iss, const char *issuer, struct oa2_discovery *d,
			oa2_error *err)
{
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "{\"issuer\":\"%s\",\"token_endpoint\":\"" MS "/organizations/oauth2/v2.0/token\","
		 "\"jwks_uri\":\"" MS "/organizations/discovery/v2.0/keys\"}",
		 doc_iss);
	memset(d, 0, sizeof(*d));
	oa2_error_clear(err);
	return oa2_discovery_parse(doc, strlen(doc), issuer, NULL, d, err);
}

#define CONSUMERS MS "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"

/* Entra ID's organizations / common endpoints announce a {tenantid}
 * template; accepted for exactly those configured issuers. */
static void tenant_template_accepted_narrowly(void **state)
{
	static const char *const configured[] = {MS "/organizations/v2.0", MS "/common/v2.0"};
	static const struct {
		const char *doc, *configured;
	} refused[] = {
		{MS "/{tenantid}/v2.0", MS "/contoso/v2.0"},         /* not one of the three */
		{MS "/{tenantid}/v2.0", MS "/organization/v2.0"},
		{MS "/{tenantid}/v2.0", MS "/Organizations/v2.0"},
		{MS "/{tenantid}/v2.0", MS "/organizations/v2.0/"},  /* the rest must be equal */
		{MS "/{tenantid}/v2.0", MS "/organizations"},
		{MS "/{tenantid}/v2.0", "https://login.example.com/organizations/v2.0"},
		{MS "/{tenantid}x/v2.0", MS "/organizationsx/v2.0"}, /* not a whole segment */
		{MS "/x{tenantid}/v2.0", MS "/xorganizations/v2.0"},
		{MS "/{tenantid}/{tenantid}", MS "/organizations/{tenantid}"}, /* twice */
		{MS "/{TENANTID}/v2.0", MS "/organizations/v2.0"},
		{"https://{tenantid}/v2.0", "https://organizations/v2.0"},    /* host */
		{MS "/{tenantid}/v2.0", MS "/organizations/organizations/v2.0"},
		{MS "/organizations/v2.0x", MS "/organizations/v2.0"},
		/* consumers names a fixed tenant, never a template, and only for
		 * exactly https://HOST/consumers/v2.0 */
		{MS "/{tenantid}/v2.0", MS "/consumers/v2.0"},
		{CONSUMERS, MS "/organizations/v2.0"},
		{CONSUMERS, MS "/common/v2.0"},
		{CONSUMERS, MS "/consumers/v2.0/"},
		{CONSUMERS, MS "/consumers"},
		{CONSUMERS, MS "/Consumers/v2.0"},
		{CONSUMERS, "https://login.example.com/consumers/v2.0"}, /* another host */
		{MS "/9188040d-6c67-4c5b-b112-36a304b66dae/v2.0", MS "/consumers/v2.0"},
		{MS "/5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69/v2.0", MS "/consumers/v2.0"},
		{CONSUMERS "/", MS "/consumers/v2.0"},
	};
	struct oa2_discovery d;
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(configured) / sizeof(configured[0]); i++) {
		if (parse_issuer(MS "/{tenantid}/v2.0", configured[i], &d, &err) != 0)
			fail_msg("%s refused: %s", configured[i], err.msg);
		assert_int_equal(d.multi_tenant, 1);
		assert_string_equal(d.issuer, MS "/{tenantid}/v2.0");
		oa2_discovery_clear(&d);
	}
	/* the template may also end the issuer */
	assert_int_equal(parse_issuer(MS "/{tenantid}", MS "/common", &d, &err), 0);
	assert_int_equal(d.multi_tenant, 1);
	oa2_discovery_clear(&d);
	/* a template configured as the issuer is only ever equal to itself: no
	 * token carries it, and it gets no template rule */
	assert_int_equal(parse_issuer(MS "/{tenantid}/v2.0", MS "/{tenantid}/v2.0", &d, &err), 0);
	assert_int_equal(d.multi_tenant, 0);
	oa2_discovery_clear(&d);
	/* a tenant's own issuer is compared exactly, as before */
	assert_int_equal(parse_issuer(MS "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
				      MS "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0", &d, &err), 0);
	assert_int_equal(d.multi_tenant, 0);
	oa2_discovery_clear(&d);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (parse_issuer(refused[i].doc, refused[i].configured, &d, &err) == 0)
			fail_msg("%s accepted for %s", refused[i].doc, refused[i].configured);
		if (err.kind != OA2_ERR_PROTOCOL || strstr(err.msg, "does not equal") == NULL)
			fail_msg("%s: %s", refused[i].doc, err.msg);
		assert_int_equal(d.multi_tenant, 0);
		assert_null(d.issuer);
	}
}

/* Entra's consumers endpoints name the fixed issuer of the personal
 * accounts' tenant: accepted for https://HOST/consumers/v2.0 alone, and
 * that fixed issuer is what tokens must carry (d.issuer). */
static void consumers_fixed_issuer(void **state)
{
	struct oa2_discovery d;
	oa2_error err;

	(void)state;
	if (parse_issuer(CONSUMERS, MS "/consumers/v2.0", &d, &err) != 0)
		fail_msg("consumers refused: %s", err.msg);
	assert_int_equal(d.multi_tenant, 0);
	assert_string_equal(d.issuer, CONSUMERS);
	oa2_discovery_clear(&d);
	/* refusals: in tenant_template_accepted_narrowly */
}

/* A configured device_authorization_endpoint takes the place of the
 * discovered one (or of none), under the same host rule. */
static void configured_device_endpoint(void **state)
{
	struct oa2_discovery d = {0};
	oa2_error err = {0};

	(void)state;
	assert_int_equal(oa2_discovery_device_endpoint(&d, NULL, ISSUER, NULL, &err), 0);
	assert_null(d.device_authorization_endpoint);
	assert_int_equal(oa2_discovery_device_endpoint(&d, ISSUER "/oauth/authorize_device", ISSUER,
						       NULL, &err), 0);
	assert_string_equal(d.device_authorization_endpoint, ISSUER "/oauth/authorize_device");
	assert_int_equal(d.device_configured, 1);
	/* another host only when listed */
	assert_int_equal(oa2_discovery_device_endpoint(&d, "https://other.example/device", ISSUER,
						       NULL, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
	assert_non_null(strstr(err.msg, "device_authorization_endpoint is on host other.example, "
				       "neither the issuer's nor one of endpoint_hosts"));
	assert_string_equal(d.device_authorization_endpoint, ISSUER "/oauth/authorize_device");
	oa2_error_clear(&err);
	assert_int_equal(oa2_discovery_device_endpoint(&d, "https://other.example/device", ISSUER,
						       "other.example", &err), 0);
	assert_string_equal(d.device_authorization_endpoint, "https://other.example/device");
	oa2_error_clear(&err);
	assert_int_equal(oa2_discovery_device_endpoint(&d, "http://idp.example/device", ISSUER,
						       NULL, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
	oa2_discovery_clear(&d);
}

static void host_rule_helper(void **state)
{
	(void)state;
	assert_true(oa2_discovery_host_allowed("https://idp.example/a", ISSUER "/realms/x", NULL));
	assert_false(oa2_discovery_host_allowed("http://idp.example/a", ISSUER, NULL));
	assert_false(oa2_discovery_host_allowed("https://user@idp.example/a", ISSUER, NULL));
	assert_true(oa2_discovery_host_allowed("https://[::1]:8443/a", "https://[::1]:8443", NULL));
	assert_false(oa2_discovery_host_allowed("https://[::1]:8444/a", "https://[::1]:8443", NULL));
}

/* The CIBA members never fail the document: a backchannel endpoint on
 * another host is dropped (and why is kept) while the other grants go on;
 * poll mode only when the modes list names "poll". */
static void ciba_members(void **state)
{
	static const struct {
		const char *members;
		int endpoint, poll;
		const char *unusable;
	} cases[] = {
		{"", 0, 0, ""},
		{",\"backchannel_authentication_endpoint\":\"" ISSUER "/bc\","
		 "\"backchannel_token_delivery_modes_supported\":[\"ping\",\"poll\"]", 1, 1, ""},
		{",\"backchannel_authentication_endpoint\":\"" ISSUER "/bc\","
		 "\"backchannel_token_delivery_modes_supported\":[\"ping\",\"push\"]", 1, 0, ""},
		{",\"backchannel_authentication_endpoint\":\"" ISSUER "/bc\","
		 "\"backchannel_token_delivery_modes_supported\":\"poll\"", 1, 0, ""},
		{",\"backchannel_authentication_endpoint\":\"https://evil.example/bc\","
		 "\"backchannel_token_delivery_modes_supported\":[\"poll\"]", 0, 1,
		 "'backchannel_authentication_endpoint' is on host evil.example"},
		{",\"backchannel_authentication_endpoint\":\"http://idp.example/bc\"", 0, 0,
		 "is not an https URL"},
	};
	char doc[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oa2_discovery d = {0};
		oa2_error err = {0};

		snprintf(doc, sizeof(doc),
			 "{\"issuer\":\"" ISSUER "\",\"token_endpoint\":\"" ISSUER "/token\","
			 "\"jwks_uri\":\"" ISSUER "/jwks\"%s}",
			 cases[i].members);
		if (oa2_discovery_parse(doc, strlen(doc), ISSUER, NULL, &d, &err) != 0)
			fail_msg("case %zu refused: %s", i, err.msg);
		assert_int_equal(d.backchannel_authentication_endpoint != NULL, cases[i].endpoint);
		assert_int_equal(d.ciba_poll, cases[i].poll);
		if (strstr(d.backchannel_unusable, cases[i].unusable) == NULL ||
		    (cases[i].unusable[0] == '\0') != (d.backchannel_unusable[0] == '\0'))
			fail_msg("case %zu: unusable '%s', want '%s'", i, d.backchannel_unusable,
				 cases[i].unusable);
		oa2_discovery_clear(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issuer_origin_accepted),
		cmocka_unit_test(foreign_endpoint_refused),
		cmocka_unit_test(listed_hosts_accepted),
		cmocka_unit_test(every_endpoint_is_checked),
		cmocka_unit_test(tenant_template_accepted_narrowly),
		cmocka_unit_test(consumers_fixed_issuer),
		cmocka_unit_test(configured_device_endpoint),
		cmocka_unit_test(host_rule_helper),
		cmocka_unit_test(ciba_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
