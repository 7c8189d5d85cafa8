/* pam_demo.c - a minimal PAM application for the demo and the tests: runs
 * pam_authenticate and pam_acct_mgmt for a service with the standard text
 * conversation (what login and sudo use), then prints the outcome.
 *
 * usage: pam_demo SERVICE [USER]     exit 0 only on PAM_SUCCESS
 * With PAM_DEMO_TIME set in the environment it also prints how long
 * pam_authenticate took (for the benchmarks). */
#include "autoconfig.h"

#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct pam_conv conv = {misc_conv, NULL};
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	struct timespec t0, t1;
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
