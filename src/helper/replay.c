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
#define MAGIC "pam_oauth2-replay 1\n"
#define HASH_HEX 64
#define LINE_MAX_LEN (20 + 1 + HASH_HEX + 1) /* "<until> <hash>\n" */
#define FILE_MAX (sizeof(MAGIC) + (size_t)(OA2_REPLAY_MAX + 1) * LINE_MAX_LEN)

static int hash_hex(const char *issuer, const char *jti, char out[HASH_HEX + 1])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(c, issuer, strlen(issuer) + 1) == 1 && /* with its NUL */
		 EVP_DigestUpdate(c, jti, strlen(jti)) == 1 && EVP_DigestFinal_ex(c, md, &n) == 1 &&
		 n == sizeof(md);

	EVP_MD_CTX_free(c);
	if (!ok)
		return -1;
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
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

/* Keep the live entries of text in out (same format, without the magic);
 * *seen when hash is among them. -1 on a malformed store. */
static int prune(const char *text, size_t len, const char *hash, time_t now, char *out,
		 size_t *outlen, size_t *count, int *seen)
{
	const char *p = text, *end = text + len;

	*outlen = 0;
	*count = 0;
	*seen = 0;
	if (len == 0)
		return 0;
	if (len < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) != 0)
		return -1;
	for (p += sizeof(MAGIC) - 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = NULL;
		int64_t until;

		if (nl == NULL || (size_t)(nl - p) > LINE_MAX_LEN - 1 || *p < '0' || *p > '9')
			return -1;
		errno = 0;
		until = strtoll(p, &stop, 10);
		if (errno != 0 || stop == NULL || *stop != ' ' || nl - (stop + 1) != HASH_HEX ||
		    strspn(stop + 1, "0123456789abcdef") < HASH_HEX)
			return -1;
		if (until >= (int64_t)now) {
			if (memcmp(stop + 1, hash, HASH_HEX) == 0)
				*seen = 1;
			memcpy(out + *outlen, p, (size_t)(nl - p) + 1);
			*outlen += (size_t)(nl - p) + 1;
			++*count;
		}
		p = nl + 1;
	}
	return 0;
}

int oa2_replay_check(const char *dir, const char *issuer, const char *jti, time_t until,
		     time_t now, oa2_error *err)
{
	char hash[HASH_HEX + 1];
	char *text = NULL, *out = NULL;
	size_t len = 0, outlen = 0, count = 0;
	int lock, seen = 0, rc = -1;

	if (hash_hex(issuer, jti, hash) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store: SHA-256 failed");
	if (oa2_private_dir(dir, 1, err) != 0)
		return -1;
	lock = oa2_cache_lock(dir, NAME, OA2_REPLAY_LOCK_WAIT_MS);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s: cannot take its lock", dir);
	if (read_store(dir, &text, &len, err) != 0)
		goto out;
	out = malloc(len + LINE_MAX_LEN + 1);
	if (out == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (prune(text, len, hash, now, out, &outlen, &count, &seen) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s/%s is corrupt; refusing", dir, NAME);
		goto out;
	}
	if (seen) {
		oa2_fail(err, OA2_ERR_DENIED, "token replayed: its jti was accepted before "
			 "(token_single_use)");
		goto out;
	}
	if (count >= OA2_REPLAY_MAX) {
		oa2_fail(err, OA2_ERR_INTERNAL, "replay store %s is full (%d live entries); refusing",
			 dir, OA2_REPLAY_MAX);
		goto out;
	}
	outlen += (size_t)snprintf(out + outlen, LINE_MAX_LEN + 1, "%" PRId64 " %s\n",
				   (int64_t)until, hash);
	if (oa2_write_private_file(dir, NAME, MAGIC, sizeof(MAGIC) - 1, out, outlen, err) != 0)
		goto out;
	rc = 0;
out:
	free(out);
	free(text);
	oa2_cache_unlock(lock);
	return rc;
}
