/* test_discovery.c - real PAM transactions (pam_wrapper) against the test
 * IdP over verified HTTPS: discovery is fetched once and then served from the
 * disk cache; a wrong CA, a wrong host name, a wrong issuer, an unreachable
 * IdP, HTTP errors, garbage and oversized answers, and each malformed
 * configuration end in a PAM error with a clear log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h"

static struct oa2t_idp idp;

static int setup(void **state)
{
	*state = &idp;
	return oa2t_idp_start(&idp, "main", NULL);
}

/* A config for the test IdP plus extra lines; returns its path. */
static const char *config(const char *name, const char *issuer, const char *extra)
{
	char body[2048];

	snprintf(body, sizeof(body),
		 "issuer = %s\nclient_id = pam-public\nca_file = %s\ncache_dir = %s/cache-%s\n"
		 "http_timeout = 3\n%s",
		 issuer ? issuer : idp.issuer, idp.ca, oa2t_tmp(), name, extra ? extra : "");
	return oa2t_write(name, body, 0644);
}

/* The service "oa2" reads <tmp>/oa2.conf: copy the test's config there. A
 * login that gets as far as the device grant is denied at the IdP at once,
 * so these tests stop right after discovery. */
static int auth_with(const char *cfgpath)
{
	struct oa2t_screen_action deny = oa2t_device_approver(&idp, NULL, 0);
	struct oa2t_conv conv = {.on_message = oa2t_screen_act, .user = &deny};
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s/oa2.conf' 2>/dev/null || rm -f '%s/oa2.conf'",
		 cfgpath, oa2t_tmp(), oa2t_tmp());
	if (system(cmd) != 0)
		fail_msg("cannot install %s", cfgpath);
	return oa2t_auth("oa2", "alice", &conv, false);
}

static void second_login_fetches_no_metadata(void **state)
{
	const char *cfg = config("warm", NULL, NULL);
	int rc;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	rc = auth_with(cfg);
	assert_int_equal(rc, PAM_AUTH_ERR);
	oa2t_expect_log("denied at the identity provider");
	oa2t_expect_log("fetched");
	assert_int_equal(oa2t_count(&idp, "discovery"), 1);

	rc = auth_with(cfg);
	assert_int_equal(rc, PAM_AUTH_ERR);
	oa2t_expect_log("read from cache");
	assert_int_equal(oa2t_count(&idp, "discovery"), 1);
}

/* A cache that cannot be written: the login goes on, and the log says so. */
static void cache_write_failure_is_logged(void **state)
{
	const char *cfg = config("unsafe", NULL, NULL);
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/cache-unsafe' && chmod 0777 '%s/cache-unsafe'",
		 oa2t_tmp(), oa2t_tmp());
	assert_int_equal(system(cmd), 0);
	assert_int_equal(auth_with(cfg), PAM_AUTH_ERR);
	oa2t_expect_log("not cached, the next login fetches it again");
	oa2t_expect_log("writable by group or others");
	oa2t_expect_log("denied at the identity provider");
	snprintf(cmd, sizeof(cmd), "chmod 0700 '%s/cache-unsafe'", oa2t_tmp());
	assert_int_equal(system(cmd), 0);
}

static void wrong_ca_is_unavailable(void **state)
{
	char extra[400];
	const char *cfg;

	(void)state;
	snprintf(extra, sizeof(extra), "ca_file = %s/other-ca.pem\n", idp.dir);
	/* replace the ca_file line: write the whole config by hand */
	{
		char body[2048];

		snprintf(body, sizeof(body),
			 "issuer = %s\nclient_id = pam-public\n%scache_dir = %s/cache-wrongca\n",
			 idp.issuer, extra, oa2t_tmp());
		cfg = oa2t_write("wrongca", body, 0644);
	}
	assert_int_equal(auth_with(cfg), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("openid-configuration");
	oa2t_expect_log("certificate");
}

static void system_store_does_not_trust_test_ca(void **state)
{
	char body[1024];
	const char *cfg;

	(void)state;
	snprintf(body, sizeof(body), "issuer = %s\nclient_id = pam-public\ncache_dir = %s/cache-sys\n",
		 idp.issuer, oa2t_tmp());
	cfg = oa2t_write("sysstore", body, 0644);
	assert_int_equal(auth_with(cfg), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("certificate");
}

static void wrong_host_name_is_unavailable(void **state)
{
	char issuer[128];

	(void)state;
	snprintf(issuer, sizeof(issuer), "https://127.0.0.1:%d", idp.port);
	assert_int_equal(auth_with(config("wronghost", issuer, NULL)), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("127.0.0.1");
	oa2t_expect_log("certificate");
}

static void issuer_mismatch_is_refused(void **state)
{
	char issuer[200];

	(void)state;
	/* Same server, same document, but the configured issuer differs by a
	 * trailing slash: the exact comparison must refuse it. */
	snprintf(issuer, sizeof(issuer), "%s/", idp.issuer);
	assert_int_equal(auth_with(config("wrongiss", issuer, NULL)), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("does not equal the configured");
}

static void unreachable_idp_is_unavailable(void **state)
{
	(void)state;
	assert_int_equal(auth_with(config("down", "https://localhost:1", NULL)),
			 PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("https://localhost:1/.well-known/openid-configuration");
}

static void fault(const char *kind, const char *needle)
{
	char json[200], name[64];

	snprintf(json, sizeof(json), "{\"endpoint\":\"discovery\",\"kind\":\"%s\",\"count\":1}", kind);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault", json, NULL), 200);
	snprintf(name, sizeof(name), "fault-%s", kind);
	assert_int_equal(auth_with(config(name, NULL, NULL)), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log(needle);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
}

static void bad_answers_are_unavailable(void **state)
{
	(void)state;
	fault("status500", "HTTP status 500");
	fault("garbage", "invalid JSON");
	fault("truncated", "invalid JSON");
	fault("oversize", "larger than");
}

static void slow_idp_times_out(void **state)
{
	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"discovery\",\"kind\":\"slow\",\"ms\":6000,\"count\":1}",
				      NULL), 200);
	assert_int_equal(auth_with(config("slow", NULL, NULL)), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("timed out");
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
}

/* Endpoints must be on the issuer's host unless endpoint_hosts lists theirs. */
static void foreign_endpoint_is_refused_unless_listed(void **state)
{
	const char *cfg;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/discovery-override",
				      "{\"set\":{\"userinfo_endpoint\":"
				      "\"https://elsewhere.example/userinfo\"}}",
				      NULL), 200);
	cfg = config("foreign", NULL, NULL);
	assert_int_equal(auth_with(cfg), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("discovery: 'userinfo_endpoint' is on host elsewhere.example, neither "
			"the issuer's nor one of endpoint_hosts");
	/* Nothing was cached: the next login asks again (and is refused again). */
	assert_int_equal(auth_with(cfg), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("'userinfo_endpoint' is on host elsewhere.example");
	/* Listed: discovery passes and the login goes on to the device grant. */
	cfg = config("foreign-ok", NULL, "endpoint_hosts = other.example elsewhere.example\n");
	assert_int_equal(auth_with(cfg), PAM_AUTH_ERR);
	oa2t_expect_log("denied at the identity provider");
	assert_int_equal(oa2t_control(&idp, "POST", "/discovery-override", "{\"set\":{}}", NULL),
			 200);
}

/* However long the IdP says discovery may be cached, at most an hour. */
static void discovery_cached_at_most_an_hour(void **state)
{
	char cmd[512], line[128] = "";
	long long expires = 0;
	long now;
	FILE *p;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/cache-control", "{\"max_age\":86400}", NULL),
			 200);
	now = (long)time(NULL);
	assert_int_equal(auth_with(config("ttl", NULL, NULL)), PAM_AUTH_ERR);
	assert_int_equal(oa2t_control(&idp, "POST", "/cache-control", "{\"max_age\":300}", NULL),
			 200);
	snprintf(cmd, sizeof(cmd), "head -n 1 %s/cache-ttl/discovery-*", oa2t_tmp());
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	pclose(p);
	assert_int_equal(sscanf(line, "pam_oauth2-cache-v1 %lld", &expires), 1);
	assert_true(expires >= now + 3600 - 5);
	assert_true(expires <= (long long)time(NULL) + 3600);
}

static void bad_config_is_service_error(void **state)
{
	char body[1024], secret_line[600];
	const char *cfg, *secret;

	(void)state;
	snprintf(body, sizeof(body), "issuer = %s\nclient_id = pam-public\ncolour = blue\n", idp.issuer);
	assert_int_equal(auth_with(oa2t_write("c-unknown", body, 0644)), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf:3: unknown key 'colour'");

	snprintf(body, sizeof(body), "issuer = %s\nclient_id pam-public\n", idp.issuer);
	assert_int_equal(auth_with(oa2t_write("c-malformed", body, 0644)), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf:2: expected 'key = value'");

	snprintf(body, sizeof(body), "issuer = %s\n", idp.issuer);
	assert_int_equal(auth_with(oa2t_write("c-missing", body, 0644)), PAM_SERVICE_ERR);
	oa2t_expect_log("required key 'client_id' is missing");

	snprintf(body, sizeof(body), "issuer = %s\nclient_id = pam-public\n", idp.issuer);
	assert_int_equal(auth_with(oa2t_write("c-writable", body, 0666)), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf: writable by group or others");

	assert_int_equal(auth_with(oa2t_write("c-http", "issuer = http://localhost\nclient_id = x\n",
					      0644)), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf:1: issuer: 'http://localhost' is not an https:// URL");

	snprintf(body, sizeof(body), "issuer = %s\nclient_id = x\nhttp_timeout = 0\n", idp.issuer);
	assert_int_equal(auth_with(oa2t_write("c-range", body, 0644)), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf:3: http_timeout: value must be a whole number in 1..120");

	secret = oa2t_write("secret", "s3cret\n", 0644);
	snprintf(secret_line, sizeof(secret_line), "client_secret_file = %s\n", secret);
	cfg = config("c-secret", NULL, secret_line);
	assert_int_equal(auth_with(cfg), PAM_SERVICE_ERR);
	oa2t_expect_log("holds a secret but is readable by group or others");

	assert_int_equal(auth_with("/nonexistent/pam_oauth2.conf"), PAM_SERVICE_ERR);
	oa2t_expect_log("oa2.conf: cannot open: No such file");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(second_login_fetches_no_metadata),
		cmocka_unit_test(cache_write_failure_is_logged),
		cmocka_unit_test(wrong_ca_is_unavailable),
		cmocka_unit_test(system_store_does_not_trust_test_ca),
		cmocka_unit_test(wrong_host_name_is_unavailable),
		cmocka_unit_test(issuer_mismatch_is_refused),
		cmocka_unit_test(unreachable_idp_is_unavailable),
		cmocka_unit_test(bad_answers_are_unavailable),
		cmocka_unit_test(slow_idp_times_out),
		cmocka_unit_test(foreign_endpoint_is_refused_unless_listed),
		cmocka_unit_test(discovery_cached_at_most_an_hour),
		cmocka_unit_test(bad_config_is_service_error),
	};

	static const struct oa2t_service services[] = {
		{"oa2", "config=%T/oa2.conf debug", false},
		{NULL, NULL, false},
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
