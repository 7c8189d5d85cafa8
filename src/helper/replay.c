/* replay.c - the jti store of token_single_use (see replay.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "replay.h"
#include "shared/secfile.h"

#define NAME "replay"
#define MAGIC "pam_oauth2-replay 2\n"
#define MAGIC_V1 "pam_oauth2-replay 1\n"
#define HASH_HEX OA2_USE_ONCE_HEX
#define NO_SUB "0000000000000000000000000000000000000000000000000000000000000000"
#define LINE_MAX_LEN (20 + 1 + HASH_HEX + 1 + HASH_HEX + 1) /* "<until> <key> <sub>\n" */
_Static_assert(sizeof(MAGIC) == sizeof(MAGIC_V1), "both versions' magic lines are as long");
#define FILE_MAX (sizeof(MAGIC) + (size_t)(OA2_REPLAY_MAX + 1) * LINE_MAX_LEN)

/* SHA-256 hex of issuer (with its NUL) and value. */
static int hash_hex(const char *issuer, const char *value, char out[HASH_HEX + 1])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(c, issuer, strlen(issuer) + 1) == 1 &&
		 EVP_DigestUpdate(c, value, strlen(value)) == 1 &&
		 EVP_DigestFinal_ex(c, md, &n) == 1 && n == sizeof(md);

	EVP_MD_CTX_free(c);
	if (!ok)
		return -1;
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int oa2_replay_mark(const char *issuer, const char *jti, const char *sub, time_t until,
		    struct oa2_use_once *mark, oa2_error *err)
{
	memset(mark, 0, sizeof(*mark));
	if (hash_hex(issuer, jti, mark->key) != 0 || hash_hex(issuer, sub, mark->sub) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store: SHA-256 failed");
	mark->until = (long long)until;
	mark->set = 1;
	return 0;
}

/* The store's text (NUL-terminated) into *buf; an absent file is empty. */
static int read_store(const char *dir, char **buf, size_t *len, oa2_error *err)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, NAME) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store: path too long");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		*buf = calloc(1, 1);
		return *buf != NULL ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	}
	if (fd < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || st.st_size < 0 || (size_t)st.st_size > FILE_MAX) {
		oa2_fail(err, OA2_ERR_INTERNAL,
			 "replay store %s: not a private file of uid %u, or too large", path,
			 (unsigned)geteuid());
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	while (*len < (size_t)st.st_size) {
		n = read(fd, *buf + *len, (size_t)st.st_size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s: read failed", path);
			goto out;
		}
		*len += (size_t)n;
	}
	(*buf)[*len] = '\0';
	rc = 0;
out:
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}

/* What the store holds for one mark, at now. */
struct scan {
	char *out;      /* the live entries, version 2 lines, room for one more */
	size_t outlen;
	size_t count;   /* live entries */
	size_t of_sub;  /* live entries of the mark's sub */
	int seen;       /* the mark's key is among them */
};

static int hex64(const char *p)
{
	return strspn(p, "0123456789abcdef") >= HASH_HEX;
}

/* One line "<until> <key>[ <sub>]" (v2 with the sub) into s when live. */
static int scan_line(const char *p, const char *nl, int v2, const struct oa2_use_once *m,
		     time_t now, struct scan *s)
{
	const char *key, *sub = NO_SUB;
	char *stop = NULL;
	int64_t until;

	if ((size_t)(nl - p) > LINE_MAX_LEN - 1 || *p < '0' || *p > '9')
		return -1;
	errno = 0;
	until = strtoll(p, &stop, 10);
	if (errno != 0 || stop == NULL || *stop != ' ' || !hex64(stop + 1))
		return -1;
	key = stop + 1;
	if (v2) {
		sub = key + HASH_HEX + 1;
		if (nl - key != 2 * HASH_HEX + 1 || key[HASH_HEX] != ' ' || !hex64(sub))
			return -1;
	} else if (nl - key != HASH_HEX) {
		return -1;
	}
	if (until < (int64_t)now)
		return 0;
	s->seen |= memcmp(key, m->key, HASH_HEX) == 0;
	s->of_sub += memcmp(sub, m->sub, HASH_HEX) == 0;
	s->outlen += (size_t)sprintf(s->out + s->outlen, "%" PRId64 " %.64s %.64s\n", until, key,
				     sub);
	++s->count;
	return 0;
}

/* Keep the live entries of text in s; -1 on a malformed store. */
static int prune(const char *text, size_t len, const struct oa2_use_once *m, time_t now,
		 struct scan *s)
{
	const char *p = text, *end = text + len;
	int v2;

	if (len == 0)
		return 0;
	if (len >= sizeof(MAGIC) - 1 && memcmp(text, MAGIC, sizeof(MAGIC) - 1) == 0)
		v2 = 1;
	else if (len >= sizeof(MAGIC_V1) - 1 && memcmp(text, MAGIC_V1, sizeof(MAGIC_V1) - 1) == 0)
		v2 = 0;
	else
		return -1;
	for (p += sizeof(MAGIC) - 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL || s->count > OA2_REPLAY_MAX ||
		    scan_line(p, nl, v2, m, now, s) != 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* Read the store and judge the mark: 0 when it may be recorded; -1 with
 * err. s->out holds the live entries (the caller frees it). */
static int judge(const char *dir, const struct oa2_use_once *m, time_t now, struct scan *s,
		 oa2_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!m->set)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store: no entry to check");
	if (oa2_private_dir(dir, 1, err) != 0 || read_store(dir, &text, &len, err) != 0)
		return -1;
	/* room for every line as a v2 line (the shortest line is "0 <key>\n"),
	 * and one more */
	s->out = malloc((len / (2 + HASH_HEX + 1) + 2) * LINE_MAX_LEN + 1);
	if (s->out == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	s->out[0] = '\0';
	if (prune(text, len, m, now, s) != 0)
		oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s/%s is corrupt; refusing", dir, NAME);
	else if (s->seen)
		oa2_fail(err, OA2_ERR_DENIED,
			 "token replayed: its jti was accepted before (token_single_use)");
	else if (s->of_sub >= OA2_REPLAY_MAX_PER_SUB)
		oa2_fail(err, OA2_ERR_INTERNAL,
			 "replay store %s holds %d live tokens of this sub, its limit; refusing", dir,
			 OA2_REPLAY_MAX_PER_SUB);
	else if (s->count >= OA2_REPLAY_MAX)
		oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s is full (%d live entries); refusing",
			 dir, OA2_REPLAY_MAX);
	else
		rc = 0;
out:
	free(text);
	return rc;
}

int oa2_replay_check(const char *dir, const struct oa2_use_once *mark, time_t now,
		     oa2_error *err)
{
	struct scan s;
	int rc = judge(dir, mark, now, &s, err);

	free(s.out);
	return rc;
}

int oa2_replay_record(const char *dir, const struct oa2_use_once *mark, time_t now,
		      oa2_error *err)
{
	struct scan s = {0};
	int lock, rc = -1;

	if (oa2_private_dir(dir, 1, err) != 0)
		return -1;
	lock = oa2_cache_lock(dir, NAME, OA2_REPLAY_LOCK_WAIT_MS);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s: cannot take its lock", dir);
	if (judge(dir, mark, now, &s, err) != 0)
		goto out;
	s.outlen += (size_t)sprintf(s.out + s.outlen, "%lld %s %s\n", mark->until, mark->key,
				    mark->sub);
	if (oa2_write_private_file(dir, NAME, MAGIC, sizeof(MAGIC) - 1, s.out, s.outlen, err) != 0)
		goto out;
	rc = 0;
out:
	free(s.out);
	oa2_cache_unlock(lock);
	return rc;
}
