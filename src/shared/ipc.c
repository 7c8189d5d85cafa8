/* ipc.c - framing and fields of the module <-> helper messages. */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "strutil.h"

enum { TAG_INT = 'i', TAG_STR = 's', TAG_NONE = 'n' };

void oa2_msg_init(struct oa2_msg *m, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

void oa2_msg_clear(struct oa2_msg *m)
{
	if (m == NULL)
		return;
	oa2_free_secret_len(m->buf, m->cap);
	memset(m, 0, sizeof(*m));
}

/* Make room for n more bytes; the old buffer is wiped, not just freed. */
static unsigned char *reserve(struct oa2_msg *m, size_t n)
{
	unsigned char *grown;
	size_t cap;

	if (m->oom || n > OA2_IPC_MAX_FRAME - m->len) {
		m->oom = 1;
		return NULL;
	}
	if (m->len + n > m->cap) {
		cap = m->cap ? m->cap : 256;
		while (cap < m->len + n)
			cap *= 2;
		grown = malloc(cap);
		if (grown == NULL) {
			m->oom = 1;
			return NULL;
		}
		if (m->buf != NULL)
			memcpy(grown, m->buf, m->len);
		oa2_free_secret_len(m->buf, m->cap);
		m->buf = grown;
		m->cap = cap;
	}
	m->len += n;
	return m->buf + m->len - n;
}

void oa2_msg_put_int(struct oa2_msg *m, int64_t v)
{
	unsigned char *p = reserve(m, 1 + sizeof(v));

	if (p == NULL)
		return;
	p[0] = TAG_INT;
	memcpy(p + 1, &v, sizeof(v));
}

void oa2_msg_put_str(struct oa2_msg *m, const char *s)
{
	uint32_t n;
	unsigned char *p;

	if (s == NULL) {
		p = reserve(m, 1);
		if (p != NULL)
			p[0] = TAG_NONE;
		return;
	}
	if (strlen(s) > OA2_IPC_MAX_FRAME) {
		m->oom = 1;
		return;
	}
	n = (uint32_t)strlen(s);
	p = reserve(m, 1 + sizeof(n) + n + 1);
	if (p == NULL)
		return;
	p[0] = TAG_STR;
	memcpy(p + 1, &n, sizeof(n));
	memcpy(p + 1 + sizeof(n), s, (size_t)n + 1);
}

int oa2_msg_get_int(struct oa2_msg *m, int64_t *v)
{
	if (m->len - m->pos < 1 + sizeof(*v) || m->buf[m->pos] != TAG_INT)
		return -1;
	memcpy(v, m->buf + m->pos + 1, sizeof(*v));
	m->pos += 1 + sizeof(*v);
	return 0;
}

int oa2_msg_get_str(struct oa2_msg *m, const char **s)
{
	uint32_t n;
	const char *p;

	*s = NULL;
	if (m->pos >= m->len)
		return -1;
	if (m->buf[m->pos] == TAG_NONE) {
		m->pos++;
		return 0;
	}
	if (m->buf[m->pos] != TAG_STR || m->len - m->pos < 1 + sizeof(n))
		return -1;
	memcpy(&n, m->buf + m->pos + 1, sizeof(n));
	if ((size_t)n + 1 > m->len - m->pos - 1 - sizeof(n))
		return -1;
	p = (const char *)m->buf + m->pos + 1 + sizeof(n);
	if (p[n] != '\0' || memchr(p, '\0', n) != NULL)
		return -1;
	*s = p;
	m->pos += 1 + sizeof(n) + (size_t)n + 1;
	return 0;
}

static int send_all(int fd, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int oa2_ipc_send(int fd, const struct oa2_msg *m, oa2_error *err)
{
	uint32_t head[2];

	if (m->oom)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: message too large or out of memory");
	head[0] = m->type;
	head[1] = (uint32_t)m->len;
	if (send_all(fd, head, sizeof(head)) != 0 || (m->len > 0 && send_all(fd, m->buf, m->len) != 0))
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: write failed: %s",
				strerror(errno ? errno : EPIPE));
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n bytes before the deadline (< 0: none). */
static int read_all(int fd, void *data, size_t n, int64_t deadline, oa2_error *err)
{
	unsigned char *p = data;

	while (n > 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int wait = -1;
		ssize_t r;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: timed out");
			wait = left > 60000 ? 60000 : (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: poll: %s",
					strerror(errno));
		if (r <= 0)
			continue;
		r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: read: %s",
					strerror(errno));
		if (r == 0)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: closed by the peer");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int oa2_ipc_recv(int fd, struct oa2_msg *m, int timeout_ms, oa2_error *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint32_t head[2];

	oa2_msg_clear(m);
	if (read_all(fd, head, sizeof(head), deadline, err) != 0)
		return -1;
	if (head[1] > OA2_IPC_MAX_FRAME)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: frame of %u bytes refused",
				head[1]);
	m->type = head[0];
	if (head[1] == 0)
		return 0;
	m->buf = malloc(head[1]);
	if (m->buf == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	m->cap = head[1];
	m->len = head[1];
	if (read_all(fd, m->buf, m->len, deadline, err) != 0) {
		oa2_msg_clear(m);
		return -1;
	}
	return 0;
}
