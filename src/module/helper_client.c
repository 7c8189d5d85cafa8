/* helper_client.c - the module's end of the helper channel: start the helper process and relay its conversation. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "helper_client.h"
#include "shared/ipc.h"
#include "shared/jscan.h"
#include "shared/json.h"
#include "shared/secfile.h"
#include "shared/strutil.h"

#define HELPER_FD 3
#define REAP_WAIT_MS 3000
#define ACCOUNT_WAIT_MS 30000 /* the store waits at most 10 s for its lock */

struct oa2_helper {
	pid_t pid;
	int fd;
	bool answered;              /* the helper sent its verdict */
	int timeout_ms;             /* longest silence of the helper we wait through */
	struct sigaction old_chld;  /* restored by stop */
	bool chld_saved;
};

/* The limits the helper starts with, whatever the caller set. */
static const struct {
	int resource;
	rlim_t value;
} limits[] = {
	{RLIMIT_NOFILE, 1024},
	{RLIMIT_FSIZE, RLIM_INFINITY},
	{RLIMIT_CPU, RLIM_INFINITY},
	{RLIMIT_AS, RLIM_INFINITY},
	{RLIMIT_DATA, RLIM_INFINITY},
	{RLIMIT_STACK, 8 * 1024 * 1024},
	{RLIMIT_CORE, 0},
	{RLIMIT_MEMLOCK, 8 * 1024 * 1024},
};

/* In the child between fork and exec: async-signal-safe calls only. */
static void set_limits(void)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit r = {limits[i].value, limits[i].value};

		if (setrlimit(limits[i].resource, &r) == 0)
			continue;
		/* Not root: the best the hard limit allows. */
		if (getrlimit(limits[i].resource, &r) == 0) {
			if (limits[i].value == RLIM_INFINITY || r.rlim_max < limits[i].value)
				r.rlim_cur = r.rlim_max;
			else
				r.rlim_cur = limits[i].value;
			(void)setrlimit(limits[i].resource, &r);
		}
	}
	(void)setpriority(PRIO_PROCESS, 0, 0);
}

/* Enough open-file room to move the channel above fd 9 even when the
 * caller set RLIMIT_NOFILE to a handful (as root the hard limit rises too). */
static void room_for_fds(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return;
	if (r.rlim_max < 1024) {
		struct rlimit up = {1024, 1024};

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	r.rlim_cur = r.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &r);
}

/* Close fds lo..hi (hi < 0: to the end). */
static void close_fds(int lo, int hi)
{
	struct rlimit r;
	int max;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, hi < 0 ? ~0U : (unsigned)hi, 0) == 0)
		return;
#endif
	max = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < 65536 ? (int)r.rlim_cur : 65536;
	if (hi >= 0 && hi < max)
		max = hi + 1;
	for (int fd = lo; fd < max; fd++)
		(void)close(fd);
}

static __attribute__((noreturn)) void child(int sock, int exe, pid_t parent)
{
	static char *const argv[] = {"pam_oauth2_helper", NULL};
	static char *const envp[] = {NULL};
	struct sigaction dfl;
	sigset_t none;
	int devnull;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* fds first, with room to move them whatever limit the caller set:
	 * /dev/null on 0-2, the channel on 3, the executable on 4 (close-on-
	 * exec), and nothing else. The caller may have closed 0-2 or left
	 * many fds open, so sock and exe can be anywhere. */
	room_for_fds();
	sock = fcntl(sock, F_DUPFD, 10);
	exe = fcntl(exe, F_DUPFD_CLOEXEC, 10);
	if (sock < 0 || exe < 0)
		_exit(127);
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0)
		_exit(127);
	for (int fd = 0; fd <= 2; fd++) {
		if (devnull != fd && dup2(devnull, fd) < 0)
			_exit(127);
	}
	if (dup2(sock, HELPER_FD) < 0)
		_exit(127);
	close_fds(HELPER_FD + 1, 9);
	if (dup2(exe, 4) != 4 || fcntl(4, F_SETFD, FD_CLOEXEC) != 0)
		_exit(127);
	exe = 4;
	close_fds(exe + 1, -1);
	set_limits();
	(void)umask(077);
	if (chdir("/") != 0)
		_exit(127);
	/* Full root when we are set-uid root: the caller can then neither
	 * signal the helper nor see its secrets through /proc. */
	if (geteuid() == 0 &&
	    (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0))
		_exit(127);
	if (setsid() < 0)
		_exit(127);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	fexecve(exe, argv, envp);
	_exit(127);
}

/* Open the helper executable and check it before trusting it with root. */
static int open_helper(const char *path, oa2_error *err)
{
	struct stat st;
	int fd;

	if (oa2_check_parents(path, OA2_ERR_INTERNAL, err) != 0)
		return -1;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || (st.st_mode & S_IXUSR) == 0) {
		close(fd);
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper %s is not a root-owned executable "
				"that only root can write", path);
	}
	return fd;
}

int oa2_helper_check(const char *path, oa2_error *err)
{
	int fd = open_helper(path, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

oa2_helper *oa2_helper_start(const struct oa2_config *cfg, oa2_error *err)
{
	struct sigaction dfl;
	oa2_helper *h = calloc(1, sizeof(*h));
	int sv[2] = {-1, -1}, exe = -1;
	pid_t parent = getpid();

	if (h == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	h->pid = -1;
	h->fd = -1;
	h->timeout_ms = (cfg->device_timeout + 8 * cfg->http_timeout + 60) * 1000;
	exe = open_helper(cfg->helper, err);
	if (exe < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "helper: socketpair: %s", strerror(errno));
		goto fail;
	}
	/* Reap our own child: a host whose SIGCHLD handler reaps everything
	 * (or ignores SIGCHLD) would take its exit status from us. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &dfl, &h->old_chld) == 0)
		h->chld_saved = true;
	h->pid = fork();
	if (h->pid < 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "helper: fork: %s", strerror(errno));
		goto fail;
	}
	if (h->pid == 0)
		child(sv[1], exe, parent);
	close(sv[1]);
	close(exe);
	h->fd = sv[0];
	return h;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (exe >= 0)
		close(exe);
	oa2_helper_stop(h);
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the helper's exit for up to wait_ms; then kill it. Returns its
 * wait status, or -1 when it had to be killed or could not be reaped. */
static int reap(oa2_helper *h, int wait_ms)
{
	int64_t until = now_ms() + wait_ms;
	int status = 0;

	if (h->pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(h->pid, &status, WNOHANG);

		if (r == h->pid) {
			h->pid = -1;
			return status;
		}
		if (r < 0 && errno != EINTR) {
			h->pid = -1;
			return -1;
		}
		if (now_ms() >= until)
			break;
		usleep(10000);
	}
	(void)kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	h->pid = -1;
	return -1;
}

void oa2_helper_stop(oa2_helper *h)
{
	if (h == NULL)
		return;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	/* a helper that gave no verdict is still at work (polling): it has
	 * nothing left to do that matters, so it ends now */
	if (h->pid > 0)
		(void)reap(h, h->answered ? REAP_WAIT_MS : 0);
	if (h->chld_saved)
		(void)sigaction(SIGCHLD, &h->old_chld, NULL);
	free(h);
}

static int reply(oa2_helper *h, int status, const char *text, oa2_error *err)
{
	struct oa2_msg m;
	int rc;

	oa2_msg_init(&m, OA2_IPC_REPLY);
	oa2_msg_put_int(&m, status);
	oa2_msg_put_str(&m, text);
	rc = oa2_ipc_send(h->fd, &m, err);
	oa2_msg_clear(&m);
	return rc;
}

static int malformed(oa2_error *err)
{
	return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: malformed message");
}

/* One conversation message: show it or ask it, and answer the helper. */
static int converse(oa2_helper *h, struct oa2_msg *m, const struct oa2_ui *ui, oa2_error *err)
{
	const char *text = NULL;
	char *answer = NULL;
	int st, rc;

	if (oa2_msg_get_str(m, &text) != 0 || text == NULL)
		return malformed(err);
	switch (m->type) {
	case OA2_IPC_INFO:
		st = ui->info(ui->ctx, text);
		break;
	case OA2_IPC_ERROR:
		st = ui->error != NULL ? ui->error(ui->ctx, text) : 0;
		break;
	default:
		st = ui->ask(ui->ctx, text, m->type == OA2_IPC_ASK_ECHO, &answer);
		if (st != 0 || answer == NULL)
			st = -1;
		break;
	}
	rc = reply(h, st == 0 ? 0 : -1, st == 0 ? answer : NULL, err);
	oa2_free_secret(answer);
	return rc;
}

static void relay_log(struct oa2_msg *m, const struct oa2_logger *log)
{
	int64_t prio = 0;
	const char *text = NULL;
	char line[512];

	if (oa2_msg_get_int(m, &prio) != 0 || oa2_msg_get_str(m, &text) != 0 || text == NULL ||
	    log == NULL || log->line == NULL)
		return;
	/* The helper's line is text from outside the module: escaped. */
	oa2_esc(text, line, sizeof(line));
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		prio = LOG_NOTICE;
	log->line(log->ctx, (int)prio, line);
}

/* The evidence names the module logs: only those it knows. */
static const char *known_source(const char *s)
{
	static const char *const names[] = {"id_token", OA2_SOURCE_FILLED, "access_token",
					    "introspection", "userinfo", "offline entry", NULL};

	for (const char *const *n = names; s != NULL && *n; n++) {
		if (strcmp(s, *n) == 0)
			return *n;
	}
	return NULL;
}

int oa2_helper_parse_result(struct oa2_msg *m, struct oa2_identity *id, bool *was_online,
			    oa2_error *err)
{
	int64_t kind, jwks, online;
	const char *msg, *source, *scope, *claims;
	oa2_jobj obj;

	if (oa2_msg_get_int(m, &kind) != 0 || oa2_msg_get_str(m, &msg) != 0 ||
	    oa2_msg_get_str(m, &source) != 0 || oa2_msg_get_str(m, &scope) != 0 ||
	    oa2_msg_get_int(m, &jwks) != 0 || oa2_msg_get_int(m, &online) != 0 ||
	    oa2_msg_get_str(m, &claims) != 0 || kind < OA2_OK || kind > OA2_ERR_INTERNAL)
		return malformed(err);
	if (kind != OA2_OK)
		return oa2_fail_text(err, (enum oa2_errkind)kind, msg);
	id->source = known_source(source);
	if (id->source == NULL || claims == NULL)
		return malformed(err);
	if (oa2_jscan_object(&obj, claims, strlen(claims), "helper claims", NULL) != 0)
		return malformed(err);
	oa2_jobj_clear(&obj); /* the module builds its tree when it decides */
	if ((id->claims = strdup(claims)) == NULL ||
	    (scope != NULL && (id->scope = strdup(scope)) == NULL))
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	id->fetched.jwks = jwks != 0;
	*was_online = online != 0;
	return 0;
}

/* ---- the user's terminal going away -----------------------------------
 *
 * While the helper polls the IdP the module sits in poll() on the channel.
 * A user who hangs up, closes the terminal or presses Ctrl-C must end the
 * login within a poll interval, but the host may catch those signals
 * (sudo does, to act on them later) and then nothing ends the wait; and a
 * program that is not the terminal's session leader (sudo started by a
 * script, or by `su -c`, which gives the command a session of its own
 * without a controlling terminal) gets no signal at all when the terminal
 * closes. So during the wait the module watches the terminals the
 * conversation can use for a hang-up: the controlling terminal, and those
 * of descriptors 0-2 (a host without a controlling terminal talks through
 * them). A closed pseudo-terminal shows on its other side as POLLHUP and
 * POLLERR, and as EIO from tcgetattr: a terminal already hung up when the
 * login starts ends it before the helper asks the IdP for anything. The
 * module also puts a small handler in front of every host handler of
 * SIGHUP, SIGINT, SIGQUIT and SIGTERM: it notes the signal and calls the
 * host's handler at once, so the host sees the signal as before. Signals
 * the host ignores stay ignored; with the default action the host ends and
 * the helper with it (PR_SET_PDEATHSIG). A watched signal that the host
 * blocks and that is pending ends the wait as well. */

static const int watched_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};
#define N_WATCHED (sizeof(watched_signals) / sizeof(watched_signals[0]))

#define N_TERMS 4

struct watch {
	int tty;                          /* the controlling terminal, or -1 */
	int terms[N_TERMS];               /* the terminals to watch (tty, 0-2), -1 = none */
	int peer;                         /* the remote client's connection, or -1 */
	struct sigaction old[N_WATCHED];  /* the host's handlers */
	bool wrapped[N_WATCHED];
};

static struct watch *active_watch;
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	struct watch *w = active_watch;

	caught_signal = sig;
	for (size_t i = 0; w != NULL && i < N_WATCHED; i++) {
		if (watched_signals[i] != sig || !w->wrapped[i])
			continue;
		if (w->old[i].sa_flags & SA_SIGINFO)
			w->old[i].sa_sigaction(sig, si, uc);
		else
			w->old[i].sa_handler(sig);
	}
}

/* sshd runs PAM in a child of its monitor, which has the client's TCP
 * connection open, and while the module polls nothing in sshd reads it:
 * a client that disconnects would leave the login polling until
 * device_timeout. The module watches that connection for the peer's
 * shutdown (POLLRDHUP reads nothing). Only when it is unambiguous: exactly
 * one connected TCP socket among the process's descriptors. */
static int client_connection(void)
{
	struct rlimit r;
	int found = -1, max;

	max = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < 4096 ? (int)r.rlim_cur : 4096;
	for (int fd = 0; fd < max; fd++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int type = 0;
		socklen_t tlen = sizeof(type);
		struct stat st;

		if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM ||
		    getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (found >= 0)
			return -1;
		found = fd;
	}
	return found;
}

/* A terminal, or one that was and is hung up (tcgetattr: EIO)? */
static bool is_terminal(int fd)
{
	struct termios t;

	return tcgetattr(fd, &t) == 0 || errno == EIO;
}

static void terms_pollfds(const struct watch *w, struct pollfd *p)
{
	for (size_t i = 0; i < N_TERMS; i++)
		p[i] = (struct pollfd){w->terms[i], 0, 0};
}

/* After poll() on terms_pollfds: did one of the terminals hang up? */
static bool terms_hung_up(const struct pollfd *p)
{
	for (size_t i = 0; i < N_TERMS; i++) {
		if (p[i].fd >= 0 && (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
			return true;
	}
	return false;
}

/* Has one of the watched terminals hung up already? */
static bool terminal_gone(const struct watch *w)
{
	struct pollfd p[N_TERMS];

	terms_pollfds(w, p);
	return poll(p, N_TERMS, 0) > 0 && terms_hung_up(p);
}

static void watch_start(struct watch *w, int remote)
{
	struct sigaction sa;

	memset(w, 0, sizeof(*w));
	w->tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	w->terms[0] = w->tty;
	for (int fd = 0; fd <= 2; fd++)
		w->terms[fd + 1] = is_terminal(fd) ? fd : -1;
	w->peer = remote ? client_connection() : -1;
	caught_signal = 0;
	active_watch = w;
	for (size_t i = 0; i < N_WATCHED; i++) {
		if (sigaction(watched_signals[i], NULL, &w->old[i]) != 0 ||
		    ((w->old[i].sa_flags & SA_SIGINFO) == 0 &&
		     (w->old[i].sa_handler == SIG_DFL || w->old[i].sa_handler == SIG_IGN)))
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_signal;
		sa.sa_mask = w->old[i].sa_mask;
		sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: poll() returns */
		w->wrapped[i] = sigaction(watched_signals[i], &sa, NULL) == 0;
	}
}

static void watch_stop(struct watch *w)
{
	for (size_t i = 0; i < N_WATCHED; i++) {
		if (w->wrapped[i])
			(void)sigaction(watched_signals[i], &w->old[i], NULL);
	}
	active_watch = NULL;
	if (w->tty >= 0)
		close(w->tty);
	w->tty = -1;
}

/* A watched signal blocked by the host and pending? */
static int pending_signal(void)
{
	sigset_t set;

	if (sigpending(&set) != 0)
		return 0;
	for (size_t i = 0; i < N_WATCHED; i++) {
		if (sigismember(&set, watched_signals[i]) == 1)
			return watched_signals[i];
	}
	return 0;
}

static int gone(int sig, oa2_error *err)
{
	if (sig == SIGINT || sig == SIGQUIT)
		return oa2_fail(err, OA2_ERR_ABORT, "the user interrupted the login (signal %d)", sig);
	return oa2_fail(err, OA2_ERR_ABORT, "the user's terminal went away (%s)",
			sig == 0 ? "hang-up" : sig == SIGHUP ? "SIGHUP" : "SIGTERM");
}

/* Wait for the helper's next message, or for the terminal to go away. */
static int wait_helper(oa2_helper *h, struct watch *w, struct oa2_msg *m, oa2_error *err)
{
	int64_t deadline = now_ms() + h->timeout_ms;

	for (;;) {
		/* a negative fd is skipped by poll(); the terminals follow */
		struct pollfd p[2 + N_TERMS] = {{h->fd, POLLIN, 0}, {w->peer, POLLRDHUP, 0}};
		int64_t left = deadline - now_ms();
		int r, sig;

		terms_pollfds(w, p + 2);
		if (left <= 0)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: timed out");
		r = poll(p, 2 + N_TERMS, left > 1000 ? 1000 : (int)left);
		sig = caught_signal ? caught_signal : pending_signal();
		if (sig != 0)
			return gone(sig, err);
		if (r < 0 && errno != EINTR)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper channel: poll: %s",
					strerror(errno));
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			return oa2_ipc_recv(h->fd, m, h->timeout_ms, err);
		if (r > 0 && w->peer >= 0 && (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
			return oa2_fail(err, OA2_ERR_ABORT, "the user's terminal went away "
					"(the remote client disconnected)");
		if (r > 0 && terms_hung_up(p + 2))
			return gone(0, err);
	}
}

static int send_request(oa2_helper *h, int argc, const char **argv,
			const struct oa2_online_request *req, const struct oa2_ui *ui,
			oa2_error *err)
{
	struct oa2_msg m;
	int rc;

	oa2_msg_init(&m, OA2_IPC_REQUEST);
	oa2_msg_put_int(&m, OA2_IPC_VERSION);
	oa2_msg_put_int(&m, argc);
	for (int i = 0; i < argc; i++)
		oa2_msg_put_str(&m, argv[i]);
	oa2_msg_put_int(&m, req->grant);
	oa2_msg_put_str(&m, req->user);
	oa2_msg_put_str(&m, req->password);
	oa2_msg_put_int(&m, req->offline_allowed);
	oa2_msg_put_int(&m, ui->utf8);
	oa2_msg_put_int(&m, ui->info_needs_prompt);
	oa2_msg_put_str(&m, ui->user);
	oa2_msg_put_str(&m, ui->service);
	oa2_msg_put_str(&m, ui->locale);
	oa2_msg_put_str(&m, ui->language);
	oa2_msg_put_int(&m, ui->columns);
	rc = oa2_ipc_send(h->fd, &m, err);
	oa2_msg_clear(&m);
	return rc;
}

int oa2_helper_login(oa2_helper *h, int argc, const char **argv,
		     const struct oa2_online_request *req, const struct oa2_ui *ui,
		     const struct oa2_logger *log, struct oa2_identity *id, bool *was_online,
		     oa2_error *err)
{
	struct oa2_msg m = {0};
	struct watch w;
	int rc = -1;

	memset(id, 0, sizeof(*id));
	*was_online = true;
	watch_start(&w, ui->info_needs_prompt);
	/* hung up already (an earlier attempt noticed it, or an earlier
	 * module): the helper must not ask the IdP for a code nobody sees */
	if (terminal_gone(&w)) {
		gone(0, err);
		goto out;
	}
	if (send_request(h, argc, argv, req, ui, err) != 0)
		goto out;
	for (;;) {
		if (wait_helper(h, &w, &m, err) != 0)
			goto out;
		switch (m.type) {
		case OA2_IPC_INFO:
		case OA2_IPC_ERROR:
		case OA2_IPC_ASK_ECHO:
		case OA2_IPC_ASK_NOECHO:
			if (converse(h, &m, ui, err) != 0)
				goto out;
			break;
		case OA2_IPC_LOG:
			relay_log(&m, log);
			break;
		case OA2_IPC_RESULT:
			h->answered = true;
			rc = oa2_helper_parse_result(&m, id, was_online, err);
			goto out;
		default:
			malformed(err);
			goto out;
		}
	}
out:
	watch_stop(&w);
	if (rc != 0)
		oa2_identity_clear(id);
	oa2_msg_clear(&m);
	return rc;
}

bool oa2_helper_answered(const oa2_helper *h)
{
	return h != NULL && h->answered;
}

int oa2_helper_account(oa2_helper *h, int op, const char *name, unsigned long *uid,
		       oa2_error *err)
{
	struct oa2_msg m;
	int64_t kind = OA2_ERR_INTERNAL, id = 0;
	const char *msg = NULL;
	int rc = -1;

	*uid = 0;
	oa2_msg_init(&m, OA2_IPC_ACCOUNT);
	oa2_msg_put_int(&m, op);
	oa2_msg_put_str(&m, name);
	if (oa2_ipc_send(h->fd, &m, err) != 0 ||
	    oa2_ipc_recv(h->fd, &m, ACCOUNT_WAIT_MS, err) != 0)
		goto out;
	if (m.type != OA2_IPC_ACCOUNT_DONE || oa2_msg_get_int(&m, &kind) != 0 ||
	    oa2_msg_get_str(&m, &msg) != 0 || oa2_msg_get_int(&m, &id) != 0 || kind < OA2_OK ||
	    kind > OA2_ERR_INTERNAL || id < 0 || id > 0xffffffffLL ||
	    (kind == OA2_OK && op == OA2_ACCOUNT_OP_CREATE && id == 0)) {
		malformed(err);
		goto out;
	}
	if (kind != OA2_OK) {
		oa2_fail_text(err, (enum oa2_errkind)kind, msg);
		goto out;
	}
	*uid = (unsigned long)id;
	rc = 0;
out:
	oa2_msg_clear(&m);
	return rc;
}

int oa2_helper_finish(oa2_helper *h, int what, bool accepted, oa2_error *err)
{
	struct oa2_msg m;
	int64_t kind = OA2_ERR_INTERNAL, refuse = 1;
	const char *msg = NULL;
	int rc = -1, status;

	oa2_msg_init(&m, OA2_IPC_FINISH);
	oa2_msg_put_int(&m, what);
	oa2_msg_put_int(&m, accepted ? 1 : 0);
	if (oa2_ipc_send(h->fd, &m, err) != 0 || oa2_ipc_recv(h->fd, &m, h->timeout_ms, err) != 0)
		goto out;
	if (m.type != OA2_IPC_DONE || oa2_msg_get_int(&m, &kind) != 0 ||
	    oa2_msg_get_str(&m, &msg) != 0 || oa2_msg_get_int(&m, &refuse) != 0 ||
	    kind < OA2_OK || kind > OA2_ERR_INTERNAL || refuse < 0 || refuse > 1 ||
	    (refuse == 1 && kind == OA2_OK)) {
		malformed(err);
		goto out;
	}
	close(h->fd);
	h->fd = -1;
	status = reap(h, REAP_WAIT_MS);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "the helper did not exit cleanly");
		goto out;
	}
	if (refuse == 1) {
		/* the single-use entry was not recorded: no login */
		oa2_fail_text(err, (enum oa2_errkind)kind, msg);
		goto out;
	}
	rc = 0;
	if (kind != OA2_OK) {
		oa2_fail_text(err, (enum oa2_errkind)kind, msg);
		rc = 1;
	}
out:
	oa2_msg_clear(&m);
	return rc;
}
