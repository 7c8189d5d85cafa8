/* pam_demo.c - a minimal PAM application for the demo and the tests: runs
 * pam_authenticate and pam_acct_mgmt for a service with the standard text
 * conversation (what login and sudo use), then prints the outcome.
 *
 * usage: pam_demo SERVICE [USER]     exit 0 only on PAM_SUCCESS
 * With PAM_DEMO_TIME set in the environment it also prints how long
 * pam_authenticate took, with PAM_DEMO_MEM the peak resident memory of this
 * process (VmHWM) before pam_start and after pam_authenticate, and that of
 * the largest child it waited for (the module's helper): for the
 * benchmarks. */
#include "autoconfig.h"

#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* This process's VmHWM in KiB, or -1. */
static long hwm_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {misc_conv, NULL};
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	struct timespec t0, t1;
	struct rusage ch;
	long hwm0 = hwm_kib();
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s SERVICE [USER]\n", argv[0]);
		return 2;
	}
	rc = pam_start(argv[1], argc == 3 ? argv[2] : NULL, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %s\n", pam_strerror(pamh, rc));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pam_authenticate(pamh, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("PAM_DEMO_TIME") != NULL)
		fprintf(stderr, "pam_authenticate_ms %.2f\n",
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (getenv("PAM_DEMO_MEM") != NULL && getrusage(RUSAGE_CHILDREN, &ch) == 0)
		fprintf(stderr, "vmhwm_kib start %ld authenticated %ld child %ld\n", hwm0, hwm_kib(),
			ch.ru_maxrss);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_get_item(pamh, PAM_USER, &user);
	if (rc == PAM_SUCCESS)
		printf("\nPAM: success, logged in as %s\n", user ? (const char *)user : "?");
	else
		printf("\nPAM: refused: %s\n", pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
