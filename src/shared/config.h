/* config.h - the module's configuration: file + module arguments.
 *
 * One parser serves both: the file (/etc/security/pam_oauth2.conf or
 * config=PATH) is read first, then each module argument "key=value" overrides
 * it for this PAM service. Unknown keys, malformed lines, duplicates, unsafe
 * files and out-of-range values are errors: the caller must fail closed. */
#ifndef OA2_CONFIG_H
#define OA2_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define OA2_DEFAULT_CONFIG "/etc/security/pam_oauth2.conf"
#define OA2_DEFAULT_CACHE_DIR "/var/cache/pam_oauth2"
#define OA2_DEFAULT_OFFLINE_DIR "/var/lib/pam_oauth2/offline"
#define OA2_DEFAULT_REPLAY_DIR "/var/lib/pam_oauth2/replay"
#define OA2_DEFAULT_ACCOUNTS_DIR "/var/lib/pam_oauth2/accounts"
#define OA2_DEFAULT_USERDB_DIR "/etc/userdb"
#define OA2_DEFAULT_UID_RANGE "1900000000-1999999999"
#define OA2_CONFIG_MAX_SIZE (64 * 1024)
#define OA2_LOGIN_DEFS "/etc/login.defs"
#define OA2_UID_MIN_FALLBACK 1000

enum oa2_grant_mode {
	OA2_GRANT_AUTO,
	OA2_GRANT_DEVICE,
	OA2_GRANT_PASSWORD,
	OA2_GRANT_CODE,
	OA2_GRANT_TOKEN,
	OA2_GRANT_CIBA, /* CIBA in poll mode (docs/ciba.md) */
	/* Not a configuration value: what grant = auto asks the helper for on
	 * a local session with a ciba_login_hint: CIBA where the IdP offers it,
	 * else the device grant (docs/ciba.md, "Where CIBA sits in grant = auto") */
	OA2_GRANT_AUTO_CIBA,
};
enum oa2_hint_format { OA2_HINT_PLAIN, OA2_HINT_ISS_SUB };
enum oa2_qr_mode { OA2_QR_AUTO, OA2_QR_UTF8, OA2_QR_ASCII, OA2_QR_OFF };
enum oa2_device_ui { OA2_UI_AUTO, OA2_UI_INFO, OA2_UI_PROMPT };
enum oa2_client_auth { OA2_AUTH_BASIC, OA2_AUTH_POST };
enum oa2_claims_source {
	OA2_CLAIMS_AUTO,
	OA2_CLAIMS_ID_TOKEN,
	OA2_CLAIMS_USERINFO,
	OA2_CLAIMS_INTROSPECTION,
};

enum oa2_accounts { OA2_ACCOUNTS_OFF, OA2_ACCOUNTS_CREATE };
enum oa2_uid_allocation { OA2_UID_NEXT, OA2_UID_HASH };

enum oa2_authtok { OA2_AUTHTOK_ASK, OA2_AUTHTOK_TRY_FIRST, OA2_AUTHTOK_USE_FIRST };

struct oa2_config {
	char *config_file;     /* the file that was read */
	bool debug;
	int authtok;           /* enum oa2_authtok: use_first_pass / try_first_pass */
	bool store_authtok;    /* leave the typed password as PAM_AUTHTOK */

	char *issuer;
	char *client_id;
	char *client_secret;   /* from client_secret or client_secret_file; wiped on free */
	char *client_secret_file;
	int client_auth;       /* enum oa2_client_auth */
	char *ca_file;
	char *endpoint_hosts;  /* hosts besides the issuer's that endpoints may name */
	char *device_authorization_endpoint; /* in place of discovery's (GitLab omits it) */
	char *scope;
	char *username_claim;
	char *groups_claim;
	char *require_groups;  /* space/comma separated, any-of; NULL = no requirement */
	int grant;             /* enum oa2_grant_mode */
	char *password_ttys;
	int allow_remote_password; /* bool: grant=password even with PAM_RHOST */
	int offline_cache;     /* bool: keep a slow hash for offline console logins */
	int offline_max_age;   /* seconds an offline entry stays usable */
	char *offline_dir;
	int device_timeout;    /* seconds; also the wait of grant = ciba */
	char *ciba_login_hint; /* the login_hint template (login_hint.h) */
	int ciba_login_hint_format; /* enum oa2_hint_format */
	int http_timeout;      /* seconds */
	int qr;                /* enum oa2_qr_mode */
	int qr_light;          /* bool: terminal has a light background */
	int device_ui;         /* enum oa2_device_ui */
	char *cache_dir;
	char *helper;          /* the helper program (see module/helper_client.h) */
	char *redirect_uri;    /* grant = code: where the IdP sends the user back */

	/* token validation and mapping */
	int claims_source;     /* enum oa2_claims_source */
	int leeway;            /* seconds of clock skew tolerated */
	char *strip_domains;   /* "@domain" suffixes removed from the identity */
	int lowercase;         /* bool: ASCII-lower-case the identity */
	char *user_map_file;   /* "identity local-user" lines */
	int user_map_only;     /* bool: an identity not in user_map_file is refused */
	int min_uid;           /* no account below this uid (but uid 0: allow_root) */
	int allow_root;        /* bool: allow mapping to uid 0 */
	char *require_scope;   /* all of these scopes must be granted */
	char *require_acr;     /* the acr claim must be one of these */
	char *require_amr;     /* the amr claim must contain one of these */
	char *require_claims;  /* "name=value" conditions, all must hold */

	/* grant = token: a token presented as the password (token_grant.h) */
	char *token_audience;  /* the token's aud must name one; NULL: client_id */
	int token_max_age;     /* seconds since iat */
	int token_single_use;  /* bool: each jti once (replay.h) */
	char *token_replay_dir;

	/* accounts created from IdP identities (docs/accounts.md) */
	int accounts;          /* enum oa2_accounts */
	char *uid_range;       /* "LOW-HIGH", parsed into uid_low, uid_high */
	unsigned long uid_low, uid_high;
	int uid_allocation;    /* enum oa2_uid_allocation */
	char *home_base;       /* homes are home_base/NAME */
	char *shell;           /* an absolute path /etc/shells lists (checked on writing) */
	char *new_users;       /* patterns matched against the identity; NULL: nobody */
	char *accounts_dir;    /* the registry (root-only) */
	char *userdb_dir;      /* the user and group records nss-systemd serves */
	char *nss_dir;         /* what libnss_oauth2 reads (src/nss/nss_oauth2.h) */
	char *group_map;       /* "IDPGROUP:GROUP[!] ...": supplementary groups */
};

/* Build the configuration from module arguments (argc/argv as PAM passes
 * them). Returns NULL with err set (kind OA2_ERR_CONFIG or INTERNAL). */
struct oa2_config *oa2_config_load(int argc, const char **argv, oa2_error *err);

/* The same from the configuration file's text, already in memory (len bytes,
 * no NUL byte, at most OA2_CONFIG_MAX_SIZE): the file named by config=PATH
 * is not read, nor checked for ownership and mode; client_secret_file still
 * is. For tests and fuzzing; the module uses oa2_config_load. */
struct oa2_config *oa2_config_parse_text(const char *text, size_t len, int argc,
					 const char **argv, oa2_error *err);

/* UID_MIN from a login.defs file (OA2_LOGIN_DEFS), the default of min_uid:
 * read only from a root-owned file nobody else can write, and only when the
 * line is exactly "UID_MIN <decimal digits>" (1..INT_MAX) and not repeated;
 * otherwise OA2_UID_MIN_FALLBACK. */
int oa2_login_defs_uid_min(const char *path);

/* Is [low, high] a range accounts may be created in: not 0, 65534, 65535,
 * 4294967295, nothing of 61184-65519 (systemd's dynamic users), nothing at or
 * above 2^31, nothing below floor? Returns NULL, or why not. */
const char *oa2_uid_range_refusal(unsigned long low, unsigned long high, unsigned long floor);

/* One item of group_map, item[0..len): "IDPGROUP:GROUP", "IDPGROUP:GROUP!"
 * (a system group allowed) or "IDPGROUP:GROUP+" (created when absent),
 * split at the last ':'. On success returns NULL, *idp_len is the IdP
 * group's length (at least 1), local (local_size bytes) holds GROUP, a
 * valid group name, and *mark is the '!' or '+' that followed it, or '\0'.
 * Otherwise returns why the item is malformed. The configuration is refused
 * at load for such an item; the helper uses the same parser at each login. */
const char *oa2_group_map_item(const char *item, size_t len, size_t *idp_len, char *local,
			       size_t local_size, char *mark);

/* True when require_claims holds a condition on the claim name
 * ("name=..."). */
bool oa2_config_has_condition(const struct oa2_config *cfg, const char *name);

/* The configuration word of a grant ("auto", "device", ..., "ciba"), or
 * "?" for a value that is none. */
const char *oa2_grant_name(int grant);

/* Free, wiping the client secret. NULL is allowed. */
void oa2_config_free(struct oa2_config *cfg);

#endif
