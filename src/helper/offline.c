/* offline.c - the offline password entry: store, verify, rate-limit. */
#include "autoconfig.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "offline.h"
#include "shared/json.h"
#include "shared/secfile.h"
#include "shared/strutil.h"
#include "shared/username.h"

#define ENTRY_MAX (64 * 1024)
#define FREE_TRIES 3
#define BACKOFF_BASE 30
#define BACKOFF_MAX 3600
#define LOCK_WAIT_MS 10000
#define ENTRY_VERSION 2

struct entry {
	json_object *doc;   /* the whole file */
	const char *hash;
	int64_t created;
	int64_t failures;
	int64_t last_failure;
};

static int hash_password(const char *password, char *out, size_t outlen, oa2_error *err)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	int rc = -1;

	if (cd == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "offline: cannot make a yescrypt salt");
		goto out;
	}
	if (crypt_r(password, salt, cd) == NULL || cd->output[0] == '*' ||
	    strlen(cd->output) >= outlen) {
		oa2_fail(err, OA2_ERR_INTERNAL, "offline: hashing failed");
		goto out;
	}
	strcpy(out, cd->output);
	rc = 0;
out:
	oa2_free_secret_len(cd, sizeof(*cd));
	return rc;
}

static int hash_matches(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	int ok = 0;

	if (cd == NULL)
		return 0;
	if (crypt_r(password, hash, cd) != NULL && cd->output[0] != '*' &&
	    strlen(cd->output) == strlen(hash))
		ok = CRYPTO_memcmp(cd->output, hash, strlen(hash)) == 0;
	oa2_free_secret_len(cd, sizeof(*cd));
	return ok;
}

static int write_entry(const struct oa2_config *cfg, const char *user, json_object *doc,
		       oa2_error *err)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	int rc;

	if (text == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	rc = oa2_write_private_file(cfg->offline_dir, user, "", 0, text, strlen(text), err);
	/* json-c keeps the text (with the hash) in doc's own buffer. */
	explicit_bzero((char *)text, strlen(text));
	return rc;
}

/* Set key to val, a value just made: -1 when making it failed (val NULL)
 * or adding it did, so no member is silently left null. */
static int add(json_object *doc, const char *key, json_object *val)
{
	if (val == NULL || json_object_object_add(doc, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

int oa2_offline_store(const struct oa2_config *cfg, const char *user, const char *password,
		      const char *claims, const char *scope, time_t now, oa2_error *err)
{
	char hash[CRYPT_OUTPUT_SIZE];
	json_object *doc = NULL, *c = NULL;
	int lock, rc = -1;

	if (!oa2_username_valid(user))
		return oa2_fail(err, OA2_ERR_INTERNAL, "offline: bad user name");
	c = oa2_json_parse(claims, strlen(claims), "offline: the claims", err);
	if (c == NULL)
		return -1;
	if (hash_password(password, hash, sizeof(hash), err) != 0)
		goto out;
	doc = json_object_new_object();
	if (doc == NULL || add(doc, "version", json_object_new_int(ENTRY_VERSION)) != 0 ||
	    add(doc, "user", json_object_new_string(user)) != 0 ||
	    add(doc, "issuer", json_object_new_string(cfg->issuer)) != 0 ||
	    add(doc, "client_id", json_object_new_string(cfg->client_id)) != 0 ||
	    add(doc, "hash", json_object_new_string(hash)) != 0 ||
	    add(doc, "created", json_object_new_int64(now)) != 0 ||
	    add(doc, "failures", json_object_new_int(0)) != 0 ||
	    add(doc, "last_failure", json_object_new_int(0)) != 0 ||
	    (scope != NULL ? add(doc, "scope", json_object_new_string(scope))
			   : json_object_object_add(doc, "scope", NULL)) != 0 ||
	    add(doc, "claims", json_object_get(c)) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	/* Under the entry's lock, so a concurrent offline attempt writing its
	 * count cannot put the old entry back. */
	lock = oa2_cache_lock(cfg->offline_dir, user, LOCK_WAIT_MS);
	if (lock < 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "offline: cannot lock the entry for %s", user);
		goto out;
	}
	rc = write_entry(cfg, user, doc, err);
	oa2_cache_unlock(lock);
out:
	explicit_bzero(hash, sizeof(hash));
	oa2_json_wipe_member(doc, "hash");
	json_object_put(doc);
	json_object_put(c);
	return rc;
}

static int no_entry(const char *user, oa2_error *err)
{
	return oa2_fail(err, OA2_ERR_UNAVAIL, "the IdP is unreachable and %s has no usable "
			"offline entry", user);
}

static int load_entry(const struct oa2_config *cfg, const char *user, struct entry *e,
		      oa2_error *err)
{
	char path[4096];
	char *buf = NULL;
	const char *stored_user = NULL, *issuer = NULL, *client_id = NULL;
	size_t len = 0;
	int64_t version = 0;

	memset(e, 0, sizeof(*e));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->offline_dir, user) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "offline: path too long");
	if (oa2_read_secure_file(path, OA2_FILE_SECRET, ENTRY_MAX, &buf, &len, NULL, NULL) != 0)
		return no_entry(user, err);
	e->doc = oa2_json_parse(buf, len, "offline entry", NULL);
	oa2_free_secret_len(buf, len + 1);
	if (e->doc == NULL || oa2_json_int64(e->doc, "version", &version) != 0 ||
	    version != ENTRY_VERSION ||
	    oa2_json_string(e->doc, "user", &stored_user) != 0 || strcmp(stored_user, user) != 0 ||
	    oa2_json_string(e->doc, "issuer", &issuer) != 0 ||
	    oa2_json_string(e->doc, "client_id", &client_id) != 0 ||
	    oa2_json_string(e->doc, "hash", &e->hash) != 0 ||
	    oa2_json_int64(e->doc, "created", &e->created) != 0 ||
	    oa2_json_int64(e->doc, "failures", &e->failures) != 0 ||
	    oa2_json_int64(e->doc, "last_failure", &e->last_failure) != 0) {
		oa2_json_put_wiped(e->doc);
		e->doc = NULL;
		return oa2_fail(err, OA2_ERR_UNAVAIL, "the IdP is unreachable and the offline entry "
				"for %s is corrupt or of an older version", user);
	}
	/* An entry vouches for a login under the configuration that wrote it
	 * only: not for another issuer, nor for another client of it. */
	if (strcmp(issuer, cfg->issuer) != 0 || strcmp(client_id, cfg->client_id) != 0)
		return oa2_fail(err, OA2_ERR_UNAVAIL, "the IdP is unreachable and the offline entry "
				"for %s was written for another issuer or client", user);
	return 0;
}

static int64_t backoff(int64_t failures)
{
	int64_t wait = BACKOFF_BASE;

	for (int64_t i = FREE_TRIES; i < failures && wait < BACKOFF_MAX; i++)
		wait *= 2;
	return wait < BACKOFF_MAX ? wait : BACKOFF_MAX;
}

/* Write the failure count. The rate limit stands on it, so an offline
 * login whose count cannot be written (a full disk, EIO, a caller's
 * RLIMIT_FSIZE) is refused. */
static int record(const struct oa2_config *cfg, const char *user, struct entry *e,
		  int64_t failures, int64_t when, oa2_error *err)
{
	oa2_error werr = {0};

	if (add(e->doc, "failures", json_object_new_int64(failures)) != 0 ||
	    add(e->doc, "last_failure", json_object_new_int64(when)) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	if (write_entry(cfg, user, e->doc, &werr) != 0) {
		char text[OA2_ERRMSG_MAX];

		snprintf(text, sizeof(text),
			 "offline: the failure count for %s cannot be written, offline login "
			 "refused: %.64s", OA2_ESC(user), werr.msg);
		return oa2_fail_text(err, OA2_ERR_INTERNAL, text);
	}
	return 0;
}

/* With the entry locked: the age, the wait, then the attempt is counted
 * before the password is checked (a process killed or failing in between
 * has spent a try), and the count is reset after a right password. */
static int verify_locked(const struct oa2_config *cfg, const char *user, const char *password,
			 time_t now, struct entry *e, char **claims, char **scope,
			 oa2_error *err)
{
	json_object *c = NULL;
	const char *s = NULL;

	if (load_entry(cfg, user, e, err) != 0)
		return -1;
	if (now - e->created > cfg->offline_max_age || e->created > now + 300)
		return oa2_fail(err, OA2_ERR_UNAVAIL,
				"the IdP is unreachable and the offline entry for %s is too old", user);
	if (e->failures >= FREE_TRIES && now - e->last_failure < backoff(e->failures))
		return oa2_fail(err, OA2_ERR_DENIED,
				"offline: too many wrong passwords for %s; wait %lld s", user,
				(long long)(backoff(e->failures) - (now - e->last_failure)));
	if (record(cfg, user, e, e->failures + 1, now, err) != 0)
		return -1;
	if (!hash_matches(password, e->hash))
		return oa2_fail(err, OA2_ERR_DENIED, "offline: wrong password for %s", user);
	if (oa2_json_object(e->doc, "claims", &c) != 0 || oa2_json_string(e->doc, "scope", &s) < 0)
		return oa2_fail(err, OA2_ERR_UNAVAIL, "offline entry for %s has no claims", user);
	if ((s != NULL && (*scope = strdup(s)) == NULL) ||
	    (*claims = strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN))) == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	if (record(cfg, user, e, 0, 0, err) != 0)
		return -1;
	return 0;
}

int oa2_offline_verify(const struct oa2_config *cfg, const char *user, const char *password,
		       time_t now, char **claims, char **scope, oa2_error *err)
{
	struct entry e = {0};
	int lock, rc;

	*claims = NULL;
	*scope = NULL;
	if (!oa2_username_valid(user) || oa2_private_dir(cfg->offline_dir, 0, NULL) != 0)
		return no_entry(user, err);
	lock = oa2_cache_lock(cfg->offline_dir, user, LOCK_WAIT_MS);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL,
				"offline: cannot lock the entry for %s, offline login refused", user);
	rc = verify_locked(cfg, user, password, now, &e, claims, scope, err);
	if (rc != 0) {
		free(*scope);
		free(*claims);
		*scope = NULL;
		*claims = NULL;
	}
	oa2_json_wipe_member(e.doc, "hash");
	json_object_put(e.doc);
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_offline_retire(const struct oa2_config *cfg, const char *user, oa2_error *err)
{
	char path[4096];
	int lock, rc = 0;

	if (!oa2_username_valid(user))
		return oa2_fail(err, OA2_ERR_INTERNAL, "offline: bad user name");
	if (access(cfg->offline_dir, F_OK) != 0 && errno == ENOENT)
		return 0; /* no directory: no entry to retire */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->offline_dir, user) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "offline: path too long");
	lock = oa2_cache_lock(cfg->offline_dir, user, LOCK_WAIT_MS);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "offline: cannot lock the entry for %s", user);
	if (unlink(path) != 0 && errno != ENOENT)
		rc = oa2_fail(err, OA2_ERR_INTERNAL, "offline: cannot remove %s: %s", path,
			      strerror(errno));
	oa2_cache_unlock(lock);
	return rc;
}
