/* many_logins.c - one process, many PAM logins, as a display manager keeps
 * the module loaded: runs COUNT full transactions (pam_start ..
 * pam_authenticate .. pam_acct_mgmt .. pam_end) for SERVICE/USER answering
 * every prompt with PASSWORD, then reports the heap in use after the first
 * WARM logins and at the end (glibc mallinfo2), so growth per login can be
 * checked. Run by tests/leak/run.sh, also under valgrind.
 *
 * usage: many_logins SERVICE USER PASSWORD COUNT WARM
 *
 * For the load benchmark: with MANY_LOGINS_READY and MANY_LOGINS_GO set to
 * file names, the process creates READY after its first login and waits for
 * GO before the others, and reports how long those took. */
#include "autoconfig.h"

#include <malloc.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int answer(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(data);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int one_login(const char *service, const char *user, const char *password)
{
	struct pam_conv conv = {answer, (void *)password};
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, &conv, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* Signal READY, then wait (at most a minute) for GO. */
static void barrier(void)
{
	const char *ready = getenv("MANY_LOGINS_READY"), *go = getenv("MANY_LOGINS_GO");
	FILE *f;

	if (ready == NULL || go == NULL)
		return;
	f = fopen(ready, "w");
	if (f != NULL)
		fclose(f);
	for (int i = 0; i < 6000 && access(go, F_OK) != 0; i++)
		usleep(10000);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t warm_heap = 0;
	int count, warm, failures = 0;
	double t0 = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s SERVICE USER PASSWORD COUNT WARM\n", argv[0]);
		return 2;
	}
	count = atoi(argv[4]);
	warm = atoi(argv[5]);
	for (int i = 0; i < count; i++) {
		int rc = one_login(argv[1], argv[2], argv[3]);

		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "login %d: %s\n", i + 1, pam_strerror(NULL, rc));
			failures++;
		}
		if (i + 1 == warm)
			warm_heap = mallinfo2().uordblks;
		if (i == 0) {
			barrier();
			t0 = now_s();
		}
	}
	printf("logins %d failures %d heap_after_warmup %zu heap_at_end %zu timed %d %.3f\n", count,
	       failures, warm_heap, mallinfo2().uordblks, count - 1, now_s() - t0);
	return failures == 0 ? 0 : 1;
}
