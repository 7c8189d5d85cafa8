/* config.c - parse and validate the configuration file and module arguments. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "login_hint.h"
#include "secfile.h"
#include "strutil.h"
#include "username.h"
#include "nss/nss_oauth2.h"

enum vtype {
	V_WORD,   /* printable ASCII, no spaces */
	V_TEXT,   /* printable ASCII, spaces allowed */
	V_URL,    /* https URL */
	V_REDIRECT, /* https URL, or http:// on a loopback address (RFC 8252 7.3) */
	V_PATH,   /* absolute path */
	V_INT,    /* integer within [min, max] */
	V_ENUM,   /* one of choices */
	V_SECRET, /* word, never accepted as a module argument */
	V_BOOL,   /* yes/no */
};

struct key {
	const char *name;
	enum vtype type;
	size_t off;
	int min, max;
	const char *const *choices;
};

static const char *const grant_choices[] = {"auto", "device", "password", "code", "token",
					   "ciba", NULL};
static const char *const hint_format_choices[] = {"plain", "iss_sub", NULL};
static const char *const qr_choices[] = {"auto", "utf8", "ascii", "off", NULL};
static const char *const claims_choices[] = {"auto", "id_token", "userinfo", "introspection",
					     NULL};
static const char *const auth_choices[] = {"client_secret_basic", "client_secret_post", NULL};
static const char *const ui_choices[] = {"auto", "info", "prompt", NULL};
static const char *const bg_choices[] = {"dark", "light", NULL};
static const char *const bool_choices[] = {"no", "yes", NULL};
static const char *const accounts_choices[] = {"off", "create", NULL};
static const char *const uid_alloc_choices[] = {"next", "hash", NULL};

#define STR(k, t) {#k, t, offsetof(struct oa2_config, k), 0, 0, NULL}
#define NUM(k, lo, hi) {#k, V_INT, offsetof(struct oa2_config, k), lo, hi, NULL}
#define ENUM(k, c) {#k, V_ENUM, offsetof(struct oa2_config, k), 0, 0, c}
#define BOOL(k) {#k, V_BOOL, offsetof(struct oa2_config, k), 0, 0, bool_choices}

static const struct key keys[] = {
	STR(issuer, V_URL),
	STR(client_id, V_WORD),
	STR(client_secret, V_SECRET),
	STR(client_secret_file, V_PATH),
	ENUM(client_auth, auth_choices),
	STR(ca_file, V_PATH),
	STR(endpoint_hosts, V_TEXT),
	STR(device_authorization_endpoint, V_URL),
	STR(scope, V_TEXT),
	STR(username_claim, V_WORD),
	STR(groups_claim, V_WORD),
	STR(require_groups, V_TEXT),
	ENUM(grant, grant_choices),
	STR(password_ttys, V_TEXT),
	BOOL(allow_remote_password),
	BOOL(offline_cache),
	NUM(offline_max_age, 60, 31536000),
	STR(offline_dir, V_PATH),
	NUM(device_timeout, 10, 3600),
	STR(ciba_login_hint, V_TEXT),
	ENUM(ciba_login_hint_format, hint_format_choices),
	NUM(http_timeout, 1, 120),
	ENUM(qr, qr_choices),
	{"qr_background", V_ENUM, offsetof(struct oa2_config, qr_light), 0, 0, bg_choices},
	ENUM(device_ui, ui_choices),
	STR(cache_dir, V_PATH),
	STR(redirect_uri, V_REDIRECT),
	STR(helper, V_PATH),
	ENUM(claims_source, claims_choices),
	NUM(leeway, 0, 300),
	{"strip_domain", V_TEXT, offsetof(struct oa2_config, strip_domains), 0, 0, NULL},
	BOOL(lowercase),
	STR(user_map_file, V_PATH),
	BOOL(user_map_only),
	NUM(min_uid, 0, INT_MAX),
	BOOL(allow_root),
	STR(require_scope, V_TEXT),
	STR(require_acr, V_TEXT),
	STR(require_amr, V_TEXT),
	STR(require_claims, V_TEXT),
	STR(token_audience, V_TEXT),
	NUM(token_max_age, 10, 31536000),
	BOOL(token_single_use),
	STR(token_replay_dir, V_PATH),
	ENUM(accounts, accounts_choices),
	STR(uid_range, V_WORD),
	ENUM(uid_allocation, uid_alloc_choices),
	STR(home_base, V_PATH),
	STR(shell, V_PATH),
	STR(new_users, V_TEXT),
	STR(accounts_dir, V_PATH),
	STR(userdb_dir, V_PATH),
	STR(nss_dir, V_PATH),
	STR(group_map, V_TEXT),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define MAX_LINE 4096
#define LOGIN_DEFS_MAX_SIZE (256 * 1024)

/* Where a value came from, for error messages. */
struct origin {
	const char *file; /* NULL for module arguments */
	unsigned line;
};

__attribute__((format(printf, 3, 4)))
static int where_fail(oa2_error *err, const struct origin *o, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (o->file != NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s:%u: %s", o->file, o->line, what);
	return oa2_fail(err, OA2_ERR_CONFIG, "module argument: %s", what);
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

static bool is_text(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if ((*s < 0x20 || *s > 0x7e))
			return false;
	}
	return true;
}

/* A redirect URI a person on another device can finish at: https, or a
 * loopback http address whose address bar they copy; never a fragment. */
static bool is_redirect_uri(const char *v)
{
	static const char *const loopback[] = {"http://127.0.0.1", "http://[::1]",
					       "http://localhost", NULL};

	if (!is_text(v) || strchr(v, '#') != NULL || strchr(v, ' ') != NULL)
		return false;
	if (oa2_is_https_url(v))
		return true;
	for (const char *const *l = loopback; *l; l++) {
		size_t n = strlen(*l);

		if (strncmp(v, *l, n) == 0 && (v[n] == '\0' || v[n] == ':' || v[n] == '/'))
			return true;
	}
	return false;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int check_value(const struct key *k, const char *val, const struct origin *o,
		       oa2_error *err)
{
	switch (k->type) {
	case V_WORD:
	case V_SECRET:
		if (!oa2_is_token_chars(val))
			return where_fail(err, o, "%s: value must be printable ASCII without spaces",
					  k->name);
		break;
	case V_TEXT:
		if (!is_text(val))
			return where_fail(err, o, "%s: value must be printable ASCII", k->name);
		break;
	case V_URL:
		if (!oa2_is_https_url(val) || strchr(val, '?') != NULL)
			return where_fail(err, o, "%s: '%s' is not an https:// URL without query or fragment",
					  k->name, val);
		break;
	case V_REDIRECT:
		if (!is_redirect_uri(val))
			return where_fail(err, o, "%s: '%s' is not an https:// URL, nor an http:// URL "
					  "on a loopback address (127.0.0.1, [::1], localhost)",
					  k->name, val);
		break;
	case V_PATH:
		if (val[0] != '/' || !is_text(val))
			return where_fail(err, o, "%s: '%s' is not an absolute path", k->name, val);
		break;
	case V_INT: {
		int dummy;

		if (parse_int(val, k->min, k->max, &dummy) != 0)
			return where_fail(err, o, "%s: value must be a whole number in %d..%d", k->name,
					  k->min, k->max);
		break;
	}
	case V_ENUM:
	case V_BOOL:
		for (const char *const *c = k->choices; *c; c++) {
			if (strcmp(*c, val) == 0)
				return 0;
		}
		return where_fail(err, o, "%s: '%s' is not one of the allowed values", k->name, val);
	}
	return 0;
}

static int set_value(struct oa2_config *cfg, const struct key *k, const char *val)
{
	void *field = (char *)cfg + k->off;

	if (k->type == V_INT)
		return parse_int(val, k->min, k->max, (int *)field);
	if (k->type == V_ENUM || k->type == V_BOOL) {
		for (int i = 0; k->choices[i]; i++) {
			if (strcmp(k->choices[i], val) == 0)
				*(int *)field = i;
		}
		return 0;
	}
	char **str = field;
	char *copy = strdup(val);

	if (copy == NULL)
		return -1;
	if (k->type == V_SECRET)
		oa2_free_secret(*str);
	else
		free(*str);
	*str = copy;
	return 0;
}

/* Apply "key = value" (from the file) or "key=value" (an argument). seen[]
 * catches a key given twice in the same source. */
static int apply(struct oa2_config *cfg, char *line, bool seen[NKEYS], const struct origin *o,
		 oa2_error *err)
{
	char *eq = strchr(line, '=');
	char *name, *val;
	const struct key *k;

	if (eq == NULL)
		return where_fail(err, o, "expected 'key = value'");
	*eq = '\0';
	name = oa2_trim(line);
	val = oa2_trim(eq + 1);
	k = find_key(name);
	if (k == NULL)
		return where_fail(err, o, "unknown key '%s'", name);
	if (seen[k - keys])
		return where_fail(err, o, "key '%s' given twice", name);
	seen[k - keys] = true;
	if (o->file == NULL && k->type == V_SECRET)
		return where_fail(err, o,
				  "%s must not be a module argument (PAM service files are world-readable); "
				  "use %s_file",
				  name, name);
	if (*val == '\0')
		return where_fail(err, o, "%s: empty value", name);
	if (check_value(k, val, o, err) != 0)
		return -1;
	if (set_value(cfg, k, val) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

/* Cut a comment off a line of the file: a '#' at the start of a word
 * ("key = value  # why") starts one. A '#' inside a word ("pass#word", a
 * URL's fragment) stays part of the value. */
static void cut_comment(char *line)
{
	for (char *c = line; *c; c++) {
		if (*c == '#' && (c == line || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

/* Parse the file's text, "key = value" per line, in place. name is the file
 * for messages; *secret_seen tells whether client_secret was among the keys. */
static int parse_lines(struct oa2_config *cfg, char *buf, const char *name, bool *secret_seen,
		       oa2_error *err)
{
	bool seen[NKEYS] = {false};
	struct origin o = {name, 0};
	char *p, *line;

	for (p = buf; p != NULL && *p; ) {
		char *nl = strchr(p, '\n');

		o.line++;
		if (nl != NULL)
			*nl = '\0';
		if (strlen(p) > MAX_LINE)
			return where_fail(err, &o, "line longer than %d bytes", MAX_LINE);
		cut_comment(p);
		line = oa2_trim(p);
		p = nl ? nl + 1 : NULL;
		if (*line == '\0')
			continue;
		if (apply(cfg, line, seen, &o, err) != 0)
			return -1;
	}
	*secret_seen = seen[find_key("client_secret") - keys];
	return 0;
}

static int parse_file(struct oa2_config *cfg, const char *path, oa2_error *err)
{
	char *buf = NULL;
	size_t len;
	mode_t perm = 0;
	bool secret = false;
	int rc = -1;

	if (oa2_read_secure_file(path, OA2_FILE_PUBLIC, OA2_CONFIG_MAX_SIZE, &buf, &len, &perm,
				 err) != 0)
		goto out;
	if (parse_lines(cfg, buf, path, &secret, err) != 0)
		goto out;
	if (secret && (perm & (S_IRGRP | S_IROTH))) {
		oa2_fail(err, OA2_ERR_CONFIG,
			 "%s: contains client_secret but is readable by group or others (mode %04o), refusing",
			 path, (unsigned)perm);
		goto out;
	}
	rc = 0;
out:
	oa2_free_secret_len(buf, buf ? len + 1 : 0);
	return rc;
}

static int read_secret_file(struct oa2_config *cfg, oa2_error *err)
{
	char *buf = NULL, *secret;
	size_t len = 0;
	int rc = -1;

	if (oa2_read_secure_file(cfg->client_secret_file, OA2_FILE_SECRET, 4096, &buf, &len, NULL,
				 err) != 0)
		goto out;
	secret = oa2_trim(buf);
	if (!oa2_is_token_chars(secret)) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: client secret must be one line of printable ASCII",
			 cfg->client_secret_file);
		goto out;
	}
	cfg->client_secret = strdup(secret);
	if (cfg->client_secret == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	oa2_free_secret_len(buf, buf ? len + 1 : 0);
	return rc;
}

/* UID_MIN from login.defs: "UID_MIN <digits>" once, in a root-owned file
 * nobody else can write. Anything else (absent, unsafe, hex, signs, junk
 * after the number, a second UID_MIN, 0, out of range) gives 1000. */
int oa2_login_defs_uid_min(const char *path)
{
	char *buf = NULL, *line, *save = NULL;
	oa2_error ignored = {0};
	size_t len = 0;
	int found = 0, uid_min = OA2_UID_MIN_FALLBACK;

	if (oa2_read_secure_file(path, OA2_FILE_PUBLIC, LOGIN_DEFS_MAX_SIZE, &buf, &len, NULL,
				 &ignored) != 0)
		return OA2_UID_MIN_FALLBACK;
	if (memchr(buf, '\0', len) != NULL)
		goto garbage;
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *p = oa2_trim(line), *val;

		if (strncmp(p, "UID_MIN", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
			continue;
		val = oa2_trim(p + 7);
		if (found++ || val[0] == '\0' || strspn(val, "0123456789") != strlen(val) ||
		    parse_int(val, 1, INT_MAX, &uid_min) != 0)
			goto garbage;
	}
	free(buf);
	return uid_min;
garbage:
	free(buf);
	return OA2_UID_MIN_FALLBACK;
}

static int set_default(char **field, const char *val, oa2_error *err)
{
	if (*field != NULL)
		return 0;
	*field = strdup(val);
	if (*field == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

const char *oa2_grant_name(int grant)
{
	size_t n = sizeof(grant_choices) / sizeof(grant_choices[0]) - 1;

	return grant >= 0 && (size_t)grant < n ? grant_choices[grant] : "?";
}

bool oa2_config_has_condition(const struct oa2_config *cfg, const char *name)
{
	const char *p = cfg->require_claims, *cond;
	size_t n, len = strlen(name);

	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &cond, &n)) {
		if (n > len + 1 && strncmp(cond, name, len) == 0 && cond[len] == '=')
			return true;
	}
	return false;
}

/* Entra ID's multi-tenant issuers (organizations, common): any tenant's
 * users could log in, so a tid= condition is required. The same rule holds
 * at login time for any issuer whose discovery document turns out to be a
 * {tenantid} template (token.c). consumers is not one of them: its
 * discovery document names the one fixed tenant of personal Microsoft
 * accounts (discovery.h). */
static bool entra_multi_tenant(const char *issuer)
{
	static const char host[] = "https://login.microsoftonline.com/";
	static const char *const words[] = {"organizations", "common", NULL};
	const char *seg;

	if (strncasecmp(issuer, host, sizeof(host) - 1) != 0)
		return false;
	seg = issuer + sizeof(host) - 1;
	for (const char *const *w = words; *w != NULL; w++) {
		size_t n = strlen(*w);

		if (strncmp(seg, *w, n) == 0 && (seg[n] == '/' || seg[n] == '\0'))
			return true;
	}
	return false;
}

/* require_claims: each item is name=value, neither part empty. */
static int check_conditions(const char *list, const char *file, oa2_error *err)
{
	const char *p = list, *cond, *eq;
	size_t n;

	while (oa2_list_next(&p, OA2_LIST_SEPS, &cond, &n)) {
		eq = memchr(cond, '=', n);
		if (eq == NULL || eq == cond || eq == cond + n - 1)
			return oa2_fail(err, OA2_ERR_CONFIG,
					"%s: require_claims: '%.*s' is not name=value", file,
					(int)(n > 100 ? 100 : n), cond);
	}
	return 0;
}

const char *oa2_group_map_item(const char *item, size_t len, size_t *idp_len, char *local,
			       size_t local_size, char *mark)
{
	const char *colon = memrchr(item, ':', len);
	size_t llen;

	*idp_len = 0;
	*mark = '\0';
	if (local_size > 0)
		local[0] = '\0';
	if (colon == NULL || colon == item)
		return "is not IDPGROUP:GROUP";
	llen = len - (size_t)(colon + 1 - item);
	if (llen > 0 && (colon[llen] == '!' || colon[llen] == '+'))
		*mark = colon[llen--];
	if (llen == 0)
		return "names no group";
	if (llen >= local_size)
		return "names a group longer than a group name may be";
	memcpy(local, colon + 1, llen);
	local[llen] = '\0';
	if (!oa2_username_valid(local))
		return "names no valid group name";
	*idp_len = (size_t)(colon - item);
	return NULL;
}

/* group_map: every item well-formed (whether its groups exist is the
 * helper's check at login, where NSS is asked). */
static int check_group_map(const char *list, const char *file, oa2_error *err)
{
	const char *p = list, *item, *why;
	char local[OA2_USER_MAX], mark;
	size_t n, idp_len;

	while (oa2_list_next(&p, OA2_LIST_SEPS, &item, &n)) {
		why = oa2_group_map_item(item, n, &idp_len, local, sizeof(local), &mark);
		if (why != NULL)
			return oa2_fail(err, OA2_ERR_CONFIG, "%s: group_map: '%.*s' %s", file,
					(int)(n > 100 ? 100 : n), item, why);
	}
	return 0;
}

const char *oa2_uid_range_refusal(unsigned long low, unsigned long high, unsigned long floor)
{
	if (low > high)
		return "LOW is above HIGH";
	if (low == 0)
		return "it holds uid 0";
	if (high >= 2147483648UL)
		return "it reaches 2147483648 or above (signed 32-bit trouble, 4294967295)";
	if (low <= 65535 && high >= 61184)
		return "it touches 61184-65535 (systemd's dynamic users, nobody, 16-bit -1)";
	if (low < floor)
		return "it starts below UID_MIN or min_uid";
	return NULL;
}

/* "LOW-HIGH", both decimal digits only. */
static int parse_range(const char *s, unsigned long *low, unsigned long *high)
{
	const char *dash = strchr(s, '-');
	char *end;

	if (dash == NULL || dash == s || strspn(s, "0123456789") != (size_t)(dash - s) ||
	    dash[1] == '\0' || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
	    dash - s > 10 || strlen(dash + 1) > 10)
		return -1;
	*low = strtoul(s, &end, 10);
	*high = strtoul(dash + 1, &end, 10);
	return 0;
}

/* What the account records take as they are: no separator of the passwd
 * format, no quote or backslash of JSON, no white space; no trailing '/'. */
static bool record_path_ok(const char *p)
{
	size_t n = strlen(p);

	return strpbrk(p, ": \t\"\\") == NULL && n > 1 && p[n - 1] != '/';
}

/* grant = ciba: a confidential client (CIBA Core 4) and a login_hint
 * template; grant = auto with a template: a confidential client; a
 * template is checked whenever it is set. */
static int check_ciba(const struct oa2_config *cfg, const char *file, oa2_error *err)
{
	const char *problem;

	if (cfg->ciba_login_hint != NULL) {
		problem = oa2_login_hint_problem(cfg->ciba_login_hint);
		if (problem != NULL)
			return oa2_fail(err, OA2_ERR_CONFIG, "%s: ciba_login_hint: %s", file, problem);
	}
	if (cfg->ciba_login_hint != NULL && oa2_login_hint_uses(cfg->ciba_login_hint, 'i') &&
	    cfg->user_map_file == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: ciba_login_hint: %%i (the identity user_map_file maps to the "
				"PAM user) needs user_map_file", file);
	if (cfg->ciba_login_hint_format != OA2_HINT_PLAIN && cfg->ciba_login_hint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: ciba_login_hint_format needs ciba_login_hint", file);
	if (cfg->grant == OA2_GRANT_CIBA && cfg->ciba_login_hint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: grant = ciba needs ciba_login_hint (e.g. %%u@example.com)", file);
	/* grant = auto uses CIBA when a hint is set (docs/ciba.md) */
	if ((cfg->grant == OA2_GRANT_CIBA ||
	     (cfg->grant == OA2_GRANT_AUTO && cfg->ciba_login_hint != NULL)) &&
	    cfg->client_secret == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: grant = %s needs a confidential client: set client_secret_file",
				file, cfg->grant == OA2_GRANT_CIBA ? "ciba" : "auto with ciba_login_hint");
	return 0;
}

static int check_accounts(struct oa2_config *cfg, const char *file, oa2_error *err)
{
	const char *why;
	unsigned long floor;

	if (set_default(&cfg->uid_range, OA2_DEFAULT_UID_RANGE, err) != 0 ||
	    set_default(&cfg->home_base, "/home", err) != 0 ||
	    set_default(&cfg->shell, "/bin/bash", err) != 0 ||
	    set_default(&cfg->accounts_dir, OA2_DEFAULT_ACCOUNTS_DIR, err) != 0 ||
	    set_default(&cfg->userdb_dir, OA2_DEFAULT_USERDB_DIR, err) != 0 ||
	    set_default(&cfg->nss_dir, OA2_NSS_DIR, err) != 0)
		return -1;
	if (parse_range(cfg->uid_range, &cfg->uid_low, &cfg->uid_high) != 0)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: uid_range: '%s' is not LOW-HIGH", file,
				cfg->uid_range);
	if (!record_path_ok(cfg->home_base) || !record_path_ok(cfg->shell))
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: home_base and shell must not hold ':', '\"', '\\', white space "
				"or end in '/'",
				file);
	if (cfg->accounts != OA2_ACCOUNTS_CREATE) {
		why = oa2_uid_range_refusal(cfg->uid_low, cfg->uid_high, 1);
	} else {
		floor = (unsigned long)oa2_login_defs_uid_min(OA2_LOGIN_DEFS);
		if ((unsigned long)cfg->min_uid > floor)
			floor = (unsigned long)cfg->min_uid;
		why = oa2_uid_range_refusal(cfg->uid_low, cfg->uid_high, floor);
	}
	if (why != NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: uid_range %s is refused: %s", file,
				cfg->uid_range, why);
	return 0;
}

static int finish(struct oa2_config *cfg, oa2_error *err)
{
	const char *file = cfg->config_file;

	if (cfg->issuer == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: required key 'issuer' is missing", file);
	if (cfg->client_id == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: required key 'client_id' is missing", file);
	if (cfg->client_secret != NULL && cfg->client_secret_file != NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: client_secret and client_secret_file are both set; keep one", file);
	if (cfg->client_secret_file != NULL && read_secret_file(cfg, err) != 0)
		return -1;
	if (set_default(&cfg->scope, "openid profile email", err) != 0 ||
	    set_default(&cfg->username_claim, "preferred_username", err) != 0 ||
	    set_default(&cfg->groups_claim, "groups", err) != 0 ||
	    set_default(&cfg->password_ttys, "tty[0-9]* console", err) != 0 ||
	    set_default(&cfg->cache_dir, OA2_DEFAULT_CACHE_DIR, err) != 0 ||
	    set_default(&cfg->offline_dir, OA2_DEFAULT_OFFLINE_DIR, err) != 0 ||
	    set_default(&cfg->token_replay_dir, OA2_DEFAULT_REPLAY_DIR, err) != 0 ||
	    set_default(&cfg->helper, OA2_HELPER_PATH, err) != 0)
		return -1;
	if (cfg->grant == OA2_GRANT_CODE && cfg->redirect_uri == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: grant = code needs redirect_uri", file);
	if (check_ciba(cfg, file, err) != 0)
		return -1;
	if (!oa2_list_contains(cfg->scope, "openid"))
		return oa2_fail(err, OA2_ERR_CONFIG, "%s: scope must include 'openid'", file);
	if (cfg->require_claims != NULL && check_conditions(cfg->require_claims, file, err) != 0)
		return -1;
	if (cfg->group_map != NULL && check_group_map(cfg->group_map, file, err) != 0)
		return -1;
	if (entra_multi_tenant(cfg->issuer) && !oa2_config_has_condition(cfg, "tid"))
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: issuer %s is multi-tenant: users of every tenant could log in; "
				"set require_claims = tid=YOUR-TENANT-ID",
				file, cfg->issuer);
	if (cfg->user_map_only && cfg->user_map_file == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: user_map_only = yes needs user_map_file", file);
	if (cfg->min_uid < 0)
		cfg->min_uid = oa2_login_defs_uid_min(OA2_LOGIN_DEFS);
	return check_accounts(cfg, file, err);
}

/* First pass over the arguments: config=PATH and the bare flags. */
static int scan_special_args(struct oa2_config *cfg, int argc, const char **argv, oa2_error *err)
{
	const char *path = OA2_DEFAULT_CONFIG;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0) {
			cfg->debug = true;
		} else if (strcmp(argv[i], "use_first_pass") == 0) {
			cfg->authtok = OA2_AUTHTOK_USE_FIRST;
		} else if (strcmp(argv[i], "try_first_pass") == 0) {
			cfg->authtok = OA2_AUTHTOK_TRY_FIRST;
		} else if (strcmp(argv[i], "store_authtok") == 0) {
			cfg->store_authtok = true;
		} else if (strncmp(argv[i], "config=", 7) == 0) {
			path = argv[i] + 7;
			if (path[0] != '/')
				return oa2_fail(err, OA2_ERR_CONFIG,
						"module argument: config=%s is not an absolute path", path);
		} else if (strchr(argv[i], '=') == NULL) {
			return oa2_fail(err, OA2_ERR_CONFIG, "module argument: unknown option '%s'",
					argv[i]);
		}
	}
	cfg->config_file = strdup(path);
	if (cfg->config_file == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

static int apply_args(struct oa2_config *cfg, int argc, const char **argv, oa2_error *err)
{
	bool seen[NKEYS] = {false};
	struct origin o = {NULL, 0};

	for (int i = 0; i < argc; i++) {
		char buf[MAX_LINE + 1];

		if (strchr(argv[i], '=') == NULL || strncmp(argv[i], "config=", 7) == 0)
			continue; /* the bare flags were taken by scan_special_args */
		if (strlen(argv[i]) > MAX_LINE)
			return oa2_fail(err, OA2_ERR_CONFIG, "module argument: too long");
		strcpy(buf, argv[i]);
		if (apply(cfg, buf, seen, &o, err) != 0)
			return -1;
	}
	return 0;
}

/* A configuration with the defaults and the bare flags and config=PATH from
 * the module arguments; NULL with err set on failure. */
static struct oa2_config *config_new(int argc, const char **argv, oa2_error *err)
{
	struct oa2_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	cfg->grant = OA2_GRANT_AUTO;
	cfg->qr = OA2_QR_AUTO;
	cfg->device_timeout = 300;
	cfg->http_timeout = 10;
	cfg->leeway = 60;
	cfg->offline_max_age = 7 * 24 * 3600;
	cfg->token_max_age = 3600;
	cfg->min_uid = -1; /* not set: UID_MIN from login.defs, in finish() */
	if (scan_special_args(cfg, argc, argv, err) != 0) {
		oa2_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct oa2_config *oa2_config_load(int argc, const char **argv, oa2_error *err)
{
	struct oa2_config *cfg = config_new(argc, argv, err);

	if (cfg == NULL)
		return NULL;
	if (parse_file(cfg, cfg->config_file, err) != 0 ||
	    apply_args(cfg, argc, argv, err) != 0 || finish(cfg, err) != 0) {
		oa2_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct oa2_config *oa2_config_parse_text(const char *text, size_t len, int argc,
					 const char **argv, oa2_error *err)
{
	struct oa2_config *cfg = NULL;
	char *buf = NULL;
	bool secret = false;

	/* The same limits oa2_read_secure_file puts on the file. */
	if (len > OA2_CONFIG_MAX_SIZE) {
		oa2_fail(err, OA2_ERR_CONFIG, "configuration larger than %d bytes",
			 OA2_CONFIG_MAX_SIZE);
		return NULL;
	}
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		oa2_fail(err, OA2_ERR_CONFIG, "configuration contains a NUL byte");
		return NULL;
	}
	buf = malloc(len + 1);
	if (buf == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\0';
	cfg = config_new(argc, argv, err);
	if (cfg != NULL &&
	    (parse_lines(cfg, buf, cfg->config_file, &secret, err) != 0 ||
	     apply_args(cfg, argc, argv, err) != 0 || finish(cfg, err) != 0)) {
		oa2_config_free(cfg);
		cfg = NULL;
	}
	oa2_free_secret_len(buf, len + 1);
	return cfg;
}

void oa2_config_free(struct oa2_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		char **str = (char **)((char *)cfg + keys[i].off);

		if (keys[i].type == V_INT || keys[i].type == V_ENUM || keys[i].type == V_BOOL)
			continue;
		if (keys[i].type == V_SECRET)
			oa2_free_secret(*str);
		else
			free(*str);
	}
	free(cfg->config_file);
	free(cfg);
}
