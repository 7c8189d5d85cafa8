/* harness.c - pam_wrapper re-exec, the test IdP, control calls, log capture. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#define OA2T_TIME_LIMIT 600 /* seconds for a whole test program */

static char tmpdir[128];
static char *logbuf;
static int saved_stderr = -1;
static char logpath[300];

const struct oa2t_service oa2t_services_oa2[] = {
	{"oa2", "config=%T/oa2.conf debug", false},
	{"sshd-oa2", "config=%T/oa2.conf debug", false},
	{"items-oa2", "config=%T/oa2.conf debug", true},
	{NULL, NULL, false},
};

const char *oa2t_tmp(void)
{
	return tmpdir;
}

static void die(const char *what)
{
	perror(what);
	exit(99);
}

/* Stop every IdP a crashed child may have left behind, then remove tmp. */
static void cleanup_tmp(void)
{
	char cmd[1024];

	/* the IdPs, the scratch directory, and pam_wrapper's /tmp/pam.X of
	 * processes that ended without exit() (valgrind's launcher, with
	 * OA2T_VALGRIND=1: it execs its tool) */
	snprintf(cmd, sizeof(cmd),
		 "for d in '%s'/idp-*; do [ -f \"$d/idp.pid\" ] && sh '%s/tests/idp/idp.sh' stop \"$d\"; "
		 "done; rm -rf '%s'; . '%s/scripts/lib.sh' && pam_wrapper_sweep",
		 tmpdir, SRCDIR, tmpdir, SRCDIR);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: cleanup of %s failed\n", tmpdir);
}

/* Module arguments with "%T" replaced by the scratch directory. */
static void expand_args(const char *a, char *args, size_t size)
{
	size_t n = 0;

	while (*a && n + sizeof(tmpdir) + 1 < size) {
		if (a[0] == '%' && a[1] == 'T') {
			n += (size_t)snprintf(args + n, size - n, "%s", tmpdir);
			a += 2;
		} else {
			args[n++] = *a++;
		}
	}
	args[n] = '\0';
}

static void write_service(const char *dir, const struct oa2t_service *svc)
{
	char args[1024], acct[1024], path[400];
	char *bar;
	FILE *f;

	expand_args(svc->args, args, sizeof(args));
	bar = strstr(args, " | ");
	if (bar != NULL) {
		*bar = '\0';
		snprintf(acct, sizeof(acct), "%s", bar + 3);
	} else {
		snprintf(acct, sizeof(acct), "%s", args);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, svc->name);
	f = fopen(path, "w");
	if (f == NULL)
		die(path);
	if (svc->set_items)
		fprintf(f, "auth required %s/pam_set_items.so\n", PAM_WRAPPER_MODULES);
	/* the helper program of this build, not the installed one */
	fprintf(f, "auth required %s %s helper=%s\naccount required %s %s helper=%s\n",
		MODULE_PATH, args, HELPER_PATH, MODULE_PATH, acct, HELPER_PATH);
	fclose(f);
}

/* alice, bob, carol and mallory as local accounts, daemon as a system
 * account (uid 1, as on Debian), through nss_wrapper. */
static void write_accounts(void)
{
	char passwd[200], group[200];
	FILE *f;

	snprintf(passwd, sizeof(passwd), "%s/passwd", tmpdir);
	snprintf(group, sizeof(group), "%s/group", tmpdir);
	f = fopen(passwd, "w");
	if (f == NULL)
		die(passwd);
	fputs("root:x:0:0:root:/root:/bin/sh\n"
	      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	      "alice:x:1001:1001:Alice:/home/alice:/bin/sh\n"
	      "bob:x:1002:1002:Bob:/home/bob:/bin/sh\n"
	      "carol:x:1003:1003:Carol:/home/carol:/bin/sh\n"
	      "mallory:x:1005:1005:Mallory:/home/mallory:/bin/sh\n",
	      f);
	fclose(f);
	f = fopen(group, "w");
	if (f == NULL)
		die(group);
	fputs("root:x:0:\ndaemon:x:1:\nalice:x:1001:\nbob:x:1002:\ncarol:x:1003:\n"
	      "mallory:x:1005:\n",
	      f);
	fclose(f);
	setenv("NSS_WRAPPER_PASSWD", passwd, 1);
	setenv("NSS_WRAPPER_GROUP", group, 1);
}

/* Run this test again, under valgrind when OA2T_VALGRIND=1 (memory errors
 * and definite leaks then fail the test, in the module and in each helper
 * process it starts: the sanitizer builds cannot run the PAM tests under
 * ASan, because pam_wrapper opens libpam with RTLD_DEEPBIND). */
static void exec_self(int argc, char **argv)
{
	static char self[4096];
	char *args[64];
	int n = 0;
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (len <= 0 || argc > 40)
		die("readlink /proc/self/exe");
	self[len] = '\0';
	if (getenv("OA2T_VALGRIND") != NULL && strcmp(getenv("OA2T_VALGRIND"), "1") == 0) {
		args[n++] = "valgrind";
		args[n++] = "-q";
		args[n++] = "--error-exitcode=42";
		args[n++] = "--leak-check=full";
		args[n++] = "--errors-for-leak-kinds=definite";
		args[n++] = "--show-leak-kinds=definite";
		/* the module's helper process too (the shell that starts the
		 * test IdP, and what it starts, run natively) */
		args[n++] = "--trace-children=yes";
		args[n++] = "--trace-children-skip=*/sh,*/dash,*/bash";
	}
	args[n++] = self;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execvp(args[0], args);
}

void oa2t_init(int argc, char **argv, const struct oa2t_service *services)
{
	char svc[200];
	pid_t pid;
	int status;

	if (getenv("OA2T_CHILD") != NULL) {
		snprintf(tmpdir, sizeof(tmpdir), "%s", getenv("OA2T_TMP"));
		/* pam_wrapper is loaded now; the helper programs we run need not. */
		unsetenv("LD_PRELOAD");
		/* A test that waits forever is a failed test, not a stuck CI. */
		alarm(OA2T_TIME_LIMIT);
		return;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oa2-it.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp");
	snprintf(svc, sizeof(svc), "%s/pam.d", tmpdir);
	if (mkdir(svc, 0755) != 0)
		die("mkdir");
	for (; services != NULL && services->name != NULL; services++)
		write_service(svc, services);
	{
		/* libpam wants a fallback service; it refuses everything */
		char path[300];
		FILE *f;

		snprintf(path, sizeof(path), "%s/other", svc);
		f = fopen(path, "w");
		if (f == NULL)
			die(path);
		fputs("auth required pam_deny.so\naccount required pam_deny.so\n", f);
		fclose(f);
	}
	setenv("OA2T_CHILD", "1", 1);
	setenv("OA2T_TMP", tmpdir, 1);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", svc, 1);
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	setenv("LD_PRELOAD", PAM_WRAPPER_LIB " " NSS_WRAPPER_LIB, 1);

	/* Test accounts exist only for this process (nss_wrapper). */
	write_accounts();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		exec_self(argc, argv);
		die("execv");
	}
	/* Only the test process runs under pam_wrapper. Every program loaded
	 * with it creates a /tmp/pam.X directory that only exit() removes: a
	 * shell started by system() (cleanup_tmp) ends with _exit and would
	 * leave it behind. */
	unsetenv("LD_PRELOAD");
	unsetenv("PAM_WRAPPER");
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid");
	}
	cleanup_tmp();
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	fprintf(stderr, "harness: test process died with signal %d\n", WTERMSIG(status));
	exit(99);
}

static int read_env(struct oa2t_idp *idp)
{
	char path[400], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/idp.env", idp->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "IDP_ISSUER=", 11) == 0)
			snprintf(idp->issuer, sizeof(idp->issuer), "%s", line + 11);
		else if (strncmp(line, "IDP_CONTROL=", 12) == 0)
			snprintf(idp->control, sizeof(idp->control), "%s", line + 12);
		else if (strncmp(line, "IDP_CA=", 7) == 0)
			snprintf(idp->ca, sizeof(idp->ca), "%s", line + 7);
		else if (strncmp(line, "IDP_PORT=", 9) == 0)
			idp->port = atoi(line + 9);
	}
	fclose(f);
	return idp->issuer[0] && idp->control[0] && idp->ca[0] ? 0 : -1;
}

int oa2t_idp_start(struct oa2t_idp *idp, const char *name, const char *extra)
{
	char cmd[1024];

	memset(idp, 0, sizeof(*idp));
	snprintf(idp->dir, sizeof(idp->dir), "%s/idp-%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "IDP_PARENT_PID=%d sh '%s/tests/idp/idp.sh' start '%s' %s >&2",
		 (int)getpid(), SRCDIR, idp->dir, extra ? extra : "");
	/* One retry: a start that times out on a loaded machine should not
	 * fail a whole test program. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (system(cmd) == 0 && read_env(idp) == 0)
			return 0;
		fprintf(stderr, "harness: the test IdP did not start (attempt %d)\n", attempt + 1);
	}
	return -1;
}

void oa2t_idp_stop(struct oa2t_idp *idp)
{
	char cmd[600];

	if (idp->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/idp/idp.sh' stop '%s' >&2", SRCDIR, idp->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: stopping the IdP in %s failed\n", idp->dir);
}

const char *oa2t_write_config(const char *name, const struct oa2t_idp *idp, const char *client_id,
			      const char *cache, const char *rest)
{
	char secret[400] = "";
	char body[4096];
	int n;

	if (strcmp(client_id, "pam-confidential") == 0)
		snprintf(secret, sizeof(secret), "client_secret_file = %s\n",
			 oa2t_write("secret", "confidential-secret\n", 0600));
	n = snprintf(body, sizeof(body),
		     "issuer = %s\nclient_id = %s\n%sca_file = %s\ncache_dir = %s/%s\n%s", idp->issuer,
		     client_id, secret, idp->ca, oa2t_tmp(), cache, rest ? rest : "");
	if (n < 0 || (size_t)n >= sizeof(body))
		fail_msg("configuration %s is too long", name);
	return oa2t_write(name, body, 0644);
}

int oa2t_unset_items(void **state)
{
	(void)state;
	unsetenv("PAM_TTY");
	unsetenv("PAM_RHOST");
	unsetenv("PAM_AUTHTOK");
	return 0;
}

int oa2t_idp_teardown(void **state)
{
	oa2t_idp_stop(*state);
	return 0;
}

struct buf {
	char *p;
	size_t n;
};

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	struct buf *b = u;
	char *g = realloc(b->p, b->n + s * n + 1);

	if (g == NULL)
		return 0;
	memcpy(g + b->n, d, s * n);
	b->n += s * n;
	g[b->n] = '\0';
	b->p = g;
	return s * n;
}

long oa2t_control(const struct oa2t_idp *idp, const char *method, const char *path,
		  const char *json, char **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf b = {NULL, 0};
	char url[512];
	long status = -1;

	snprintf(url, sizeof(url), "%s%s", idp->control, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (json != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out != NULL)
		*out = b.p;
	else
		free(b.p);
	return status;
}

long oa2t_idp_post(const struct oa2t_idp *idp, const char *path, const char *form,
		   const char *user, const char *secret, char **out)
{
	CURL *c = curl_easy_init();
	struct buf b = {NULL, 0};
	char url[512];
	long status = -1;

	snprintf(url, sizeof(url), "%s%s", idp->issuer, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, idp->ca);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, secret);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (out != NULL)
		*out = b.p;
	else
		free(b.p);
	return status;
}

long oa2t_answer(const struct oa2t_idp *idp, const char *endpoint, int count, int status,
		 const char *json, const char *text)
{
	char req[1024];

	if (json != NULL)
		snprintf(req, sizeof(req),
			 "{\"endpoint\":\"%s\",\"kind\":\"answer\",\"count\":%d,\"status\":%d,"
			 "\"json\":%s}", endpoint, count, status, json);
	else
		snprintf(req, sizeof(req),
			 "{\"endpoint\":\"%s\",\"kind\":\"answer\",\"count\":%d,\"status\":%d,"
			 "\"text\":\"%s\"}", endpoint, count, status, text ? text : "");
	return oa2t_control(idp, "POST", "/fault", req, NULL);
}

int oa2t_poll_times(const struct oa2t_idp *idp, double *t, int max)
{
	char *body = NULL, *p;
	int n = 0;

	if (oa2t_control(idp, "GET", "/polls", NULL, &body) != 200 || body == NULL) {
		free(body);
		return -1;
	}
	for (p = body; n < max && (p = strstr(p, "\"t_ms\":")) != NULL; p++)
		t[n++] = strtod(p + 7, NULL) / 1000.0;
	free(body);
	return n;
}

void oa2t_expect_poll_gaps(const double *t, int n, double min_s)
{
	for (int i = 1; i < n; i++) {
		if (t[i] - t[i - 1] < min_s)
			fail_msg("poll %d came %.2f s after the previous one (want >= %.2f)", i,
				 t[i] - t[i - 1], min_s);
	}
}

long oa2t_count(const struct oa2t_idp *idp, const char *endpoint)
{
	char *body = NULL, key[64], *p;
	long n = -1;

	if (oa2t_control(idp, "GET", "/counts", NULL, &body) == 200 && body != NULL) {
		snprintf(key, sizeof(key), "\"%s\":", endpoint);
		p = strstr(body, key);
		if (p != NULL)
			n = strtol(p + strlen(key), NULL, 10);
	}
	free(body);
	return n;
}

const char *oa2t_write(const char *name, const char *content, unsigned mode)
{
	static char paths[8][400];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, 400, "%s/%s", tmpdir, name);
	unlink(p);
	f = fopen(p, "w");
	if (f == NULL)
		die(p);
	fputs(content, f);
	fclose(f);
	if (chmod(p, mode) != 0)
		die("chmod");
	return p;
}

void oa2t_log_begin(void)
{
	int fd;

	free(logbuf);
	logbuf = NULL;
	snprintf(logpath, sizeof(logpath), "%s/module.log", tmpdir);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || saved_stderr < 0)
		die("log capture");
	dup2(fd, 2);
	close(fd);
}

void oa2t_log_end(void)
{
	FILE *f;
	long n;

	fflush(stderr);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
	f = fopen(logpath, "r");
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	logbuf = calloc(1, (size_t)n + 1);
	if (logbuf != NULL && fread(logbuf, 1, (size_t)n, f) != (size_t)n)
		logbuf[0] = '\0';
	fclose(f);
	/* Echo into the test log so a failure can be read afterwards. */
	fprintf(stderr, "---- module log ----\n%s--------------------\n", logbuf ? logbuf : "");
}

bool oa2t_log_has(const char *needle)
{
	return logbuf != NULL && strstr(logbuf, needle) != NULL;
}

void oa2t_expect_log(const char *needle)
{
	if (!oa2t_log_has(needle))
		fail_msg("module log lacks '%s':\n%s", needle, oa2t_log_text());
}

int oa2t_log_lines(const char *needle, bool at_start)
{
	int n = 0;

	for (const char *line = logbuf; line != NULL && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = memmem(line, len, needle, strlen(needle));

		if (hit != NULL && (!at_start || hit == line))
			n++;
		line = end ? end + 1 : NULL;
	}
	return n;
}

const char *oa2t_log_text(void)
{
	return logbuf ? logbuf : "";
}

#include <libpamtest.h>

static int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct oa2t_conv *c = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *m = msg[i]->msg ? msg[i]->msg : "";
		size_t used = strlen(c->text);

		snprintf(c->text + used, sizeof(c->text) - used, "%s\n", m);
		if (c->on_message != NULL)
			c->on_message(c, msg[i]->msg_style, m);
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			const char *a = c->prompts < c->nanswers ? c->answers[c->prompts] : "";

			c->prompts++;
			r[i].resp = strdup(a);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int oa2t_auth(const char *service, const char *user, struct oa2t_conv *conv, bool acct)
{
	struct oa2t_conv local = {0};
	struct pam_testcase cases[2] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	int rc;

	if (conv == NULL)
		conv = &local;
	oa2t_log_begin();
	(void)_pamtest_conv(service, user, conv_fn, conv, cases, acct ? 2 : 1, NULL);
	oa2t_log_end();
	rc = cases[0].op_rv;
	if (acct && rc == PAM_SUCCESS)
		rc = cases[1].op_rv;
	return rc;
}

static const struct {
	const char *marker; /* the text before the key */
	const char *stop;   /* what ends the key */
	const char *field;  /* the control API's member for it */
} screen_keys[] = {
	[OA2T_KEY_USER_CODE] = {"enter the code:", " \n", "user_code"},
	[OA2T_KEY_BINDING] = {"Approve the login on your phone:", "\n", "binding_message"},
};

static bool screen_key(enum oa2t_screen_key find, const char *text, char *out, size_t len)
{
	const char *p = strstr(text, screen_keys[find].marker);
	size_t n;

	if (p == NULL)
		return false;
	p += strlen(screen_keys[find].marker);
	p += strspn(p, " ");
	n = strcspn(p, screen_keys[find].stop);
	if (n == 0 || n >= len)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool oa2t_user_code(const char *text, char *out, size_t len)
{
	return screen_key(OA2T_KEY_USER_CODE, text, out, len);
}

static void act_now(struct oa2t_screen_action *a)
{
	char json[256];
	int n;

	n = snprintf(json, sizeof(json), "{\"%s\":\"%s\"", screen_keys[a->find].field, a->key);
	if (a->username != NULL)
		n += snprintf(json + n, sizeof(json) - (size_t)n, ",\"username\":\"%s\"",
			      a->username);
	snprintf(json + n, sizeof(json) - (size_t)n, "}");
	if (a->peek != NULL && oa2t_control(a->idp, "GET", a->peek_route, NULL, a->peek) != 200)
		fail_msg("GET %s failed", a->peek_route);
	a->status = oa2t_control(a->idp, "POST", a->route, json, NULL);
	if (a->status != 200)
		fprintf(stderr, "harness: POST %s failed (%ld)\n", a->route, a->status);
}

void oa2t_screen_act(struct oa2t_conv *conv, int style, const char *msg)
{
	struct oa2t_screen_action *a = conv->user;
	pid_t pid;

	(void)style;
	if (a == NULL || a->done || !screen_key(a->find, msg, a->key, sizeof(a->key)))
		return;
	a->done = 1;
	if (a->delay_ms <= 0) {
		act_now(a);
		return;
	}
	pid = fork();
	if (pid == 0) {
		usleep((useconds_t)a->delay_ms * 1000);
		act_now(a);
		_exit(a->status == 200 ? 0 : 1);
	}
}

struct oa2t_screen_action oa2t_device_approver(const struct oa2t_idp *idp, const char *username,
					      int delay_ms)
{
	struct oa2t_screen_action a = {
		.idp = idp,
		.find = OA2T_KEY_USER_CODE,
		.route = username != NULL ? "/device/approve" : "/device/deny",
		.username = username,
		.delay_ms = delay_ms,
	};

	return a;
}

int oa2t_login(const char *service, const char *user,
	       void (*on_message)(struct oa2t_conv *, int, const char *), void *who,
	       struct oa2t_conv *conv)
{
	int rc;

	conv->on_message = on_message;
	conv->user = who;
	rc = oa2t_auth(service, user, conv, true);
	oa2t_reap();
	return rc;
}

void oa2t_expect_prompt_mode(int rc, const struct oa2t_conv *conv, const char *service,
			     const char *user)
{
	char line[256];

	snprintf(line, sizeof(line), "login accepted: service=%s user=%s", service, user);
	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(conv->prompts, 1);
	assert_non_null(strstr(conv->text, "Press Enter once you have approved"));
	oa2t_expect_log(line);
}

void oa2t_expect_cancelled(int rc, const struct oa2t_conv *conv)
{
	assert_int_equal(rc, PAM_ABORT);
	assert_non_null(strstr(conv->text, "Login cancelled."));
}

void oa2t_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int oa2t_auth_quiet(const char *service, const char *user, struct oa2t_conv *conv)
{
	struct pam_testcase cases[1] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};

	(void)_pamtest_conv(service, user, conv_fn, conv, cases, 1, NULL);
	return cases[0].op_rv;
}
