/* account_sshd.c - reservation lifetime from sshd's LoginGraceTime (see
 * account_sshd.h). */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account_sshd.h"
#include "shared/secfile.h"

int oa2_sshd_grace_parse(const char *text, size_t len, long *grace)
{
	static const char key[] = "logingracetime ";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0) {
			long v = 0;
			size_t i = sizeof(key) - 1;

			if (n - i > 9)
				return -1;
			for (; i < n; i++) {
				if (p[i] < '0' || p[i] > '9')
					return -1;
				v = v * 10 + (p[i] - '0');
			}
			*grace = v;
			return 0;
		}
		p = eol + 1;
	}
	return -1;
}

int oa2_sshd_lifetime_for(long grace, long *lifetime, oa2_error *err)
{
	*lifetime = 0;
	if (grace <= 0)
		return oa2_fail(err, OA2_ERR_CONFIG, "sshd's LoginGraceTime is 0 (no limit): an "
				"unauthenticated connection could outlive any reservation; set it "
				"(e.g. 360) so that libnss_oauth2 answers sshd's lookup");
	if (grace > OA2_SSHD_LIFETIME_MAX - OA2_SSHD_MARGIN)
		return oa2_fail(err, OA2_ERR_CONFIG, "sshd's LoginGraceTime %ld s is above %d s: "
				"a reservation lives at most %d s; set it lower so that "
				"libnss_oauth2 answers sshd's lookup", grace,
				OA2_SSHD_LIFETIME_MAX - OA2_SSHD_MARGIN, OA2_SSHD_LIFETIME_MAX);
	*lifetime = grace + OA2_SSHD_MARGIN;
	return 0;
}

/* One file's part of the stamp: its name and what changes when it does. */
static uint64_t stamp_of(const char *path, const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	struct stat st;
	uint64_t f[7] = {0};

	if (lstat(path, &st) == 0) {
		f[0] = (uint64_t)st.st_ino;
		f[1] = (uint64_t)st.st_size;
		f[2] = (uint64_t)st.st_mtim.tv_sec;
		f[3] = (uint64_t)st.st_mtim.tv_nsec;
		f[4] = (uint64_t)st.st_ctim.tv_sec;
		f[5] = (uint64_t)st.st_ctim.tv_nsec;
		f[6] = (uint64_t)st.st_mode;
	}
	for (const char *c = name; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		h = (h ^ f[i]) * 1099511628211ULL;
	return h;
}

/* sshd's program, its configuration and every file of its drop-in
 * directory (added up: the order readdir gives does not count). */
static uint64_t stamp(const char *program)
{
	uint64_t s = stamp_of(program, program) + stamp_of(OA2_SSHD_CONFIG, OA2_SSHD_CONFIG) +
		     stamp_of(OA2_SSHD_CONFIG_DIR, OA2_SSHD_CONFIG_DIR);
	DIR *d = opendir(OA2_SSHD_CONFIG_DIR);
	struct dirent *e;
	char path[PATH_MAX];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (snprintf(path, sizeof(path), "%s/%s", OA2_SSHD_CONFIG_DIR, e->d_name) <
		    (int)sizeof(path))
			s += stamp_of(path, e->d_name);
	}
	if (d != NULL)
		closedir(d);
	return s;
}

static void child(const char *program, int out)
{
	char *argv[] = {(char *)"sshd", (char *)"-T", NULL};
	char *envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (close_range(3, ~0U, 0) != 0) {
		for (int fd = 3; fd < 1024; fd++)
			(void)close(fd);
	}
	if (chdir("/") != 0)
		_exit(127);
	execve(program, argv, envp);
	_exit(127);
}

/* Read the child's output until it closes, the cap, or the deadline. */
static size_t drain(int fd, char *buf, size_t cap)
{
	struct timespec t0, t;
	size_t len = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long ms;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = OA2_SSHD_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
					    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&p, 1, (int)ms) <= 0)
			break;
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	buf[len] = '\0';
	return len;
}

/* `program -T`: its LoginGraceTime in *grace, or -1 (err: its first line).
 * SIGCHLD is default meanwhile: a caller that ignores it (the command may
 * be started by anything) would otherwise lose the exit status. */
static int run_sshd(const char *program, long *grace, oa2_error *err)
{
	char *buf = malloc(OA2_SSHD_OUTPUT_MAX);
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	int fds[2], status = -1, rc = -1;
	size_t len;
	pid_t pid;

	if (buf == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	if (pipe2(fds, O_CLOEXEC) != 0) {
		free(buf);
		return oa2_fail(err, OA2_ERR_INTERNAL, "pipe: %s", strerror(errno));
	}
	sigemptyset(&dfl.sa_mask);
	(void)sigaction(SIGCHLD, &dfl, &old);
	pid = fork();
	if (pid == 0)
		child(program, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		(void)sigaction(SIGCHLD, &old, NULL);
		free(buf);
		return oa2_fail(err, OA2_ERR_INTERNAL, "fork: %s", strerror(errno));
	}
	len = drain(fds[0], buf, OA2_SSHD_OUTPUT_MAX);
	close(fds[0]);
	(void)kill(pid, SIGKILL); /* gone already, unless it hung or talks too much */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)sigaction(SIGCHLD, &old, NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    oa2_sshd_grace_parse(buf, len, grace) == 0) {
		rc = 0;
	} else {
		size_t n = strcspn(buf, "\r\n");

		for (size_t i = 0; i < n; i++)
			buf[i] = buf[i] < ' ' || buf[i] > '~' ? '?' : buf[i];
		rc = oa2_fail(err, OA2_ERR_CONFIG, "%s -T %s (%.*s): libnss_oauth2 answers "
			      "nothing", program,
			      WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			      "printed no LoginGraceTime" : "failed",
			      (int)(n > 200 ? 200 : n), buf);
	}
	free(buf);
	return rc;
}

/* The cache: "STAMP LIFETIME" (hex, decimal). 0 on a match. */
static int cached(const char *nss_dir, uint64_t s, long *lifetime)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	unsigned long long got;
	long l;
	char nl;
	oa2_error ignored = {0};
	int rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s", nss_dir, OA2_SSHD_CACHE) >= (int)sizeof(path) ||
	    oa2_read_secure_file(path, OA2_FILE_SECRET, 128, &text, &len, NULL, &ignored) != 0)
		return -1;
	if (sscanf(text, "%16llx %ld%c", &got, &l, &nl) == 3 && nl == '\n' && got == s &&
	    l > OA2_SSHD_MARGIN && l <= OA2_SSHD_LIFETIME_MAX) {
		*lifetime = l;
		rc = 0;
	}
	free(text);
	return rc;
}

int oa2_sshd_reservation_lifetime(const char *nss_dir, const char *program, bool recheck,
				  long *lifetime, oa2_error *err)
{
	struct stat st;
	uint64_t s;
	long grace = 0;
	char line[64];
	int n;

	*lifetime = 0;
	if (program == NULL || (stat(program, &st) != 0 && errno == ENOENT))
		return 1;
	s = stamp(program);
	if (!recheck && cached(nss_dir, s, lifetime) == 0)
		return 0;
	if (run_sshd(program, &grace, err) != 0 || oa2_sshd_lifetime_for(grace, lifetime, err) != 0)
		return -1;
	n = snprintf(line, sizeof(line), "%016llx %ld\n", (unsigned long long)s, *lifetime);
	/* a cache that cannot be written only costs the next login a run */
	(void)oa2_write_private_file(nss_dir, OA2_SSHD_CACHE, line, (size_t)n, "", 0,
				     &(oa2_error){0});
	return 0;
}
