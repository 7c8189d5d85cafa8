/* request.h - what the module asks of the helper for one login (the
 * REQUEST message, ipc.h), and where the helper's log lines go. */
#ifndef OA2_REQUEST_H
#define OA2_REQUEST_H

#include <stdbool.h>

struct oa2_online_request {
	int grant;            /* OA2_GRANT_DEVICE, _PASSWORD, _CODE, _TOKEN, _CIBA, _AUTO_CIBA */
	const char *user;     /* password grant: the user name sent to the IdP; CIBA: the PAM user */
	const char *password; /* password grant; grant = token: the token */
	bool offline_allowed; /* the caller may use an offline entry (see offline.h) */
};

/* Where log lines go (the module's syslog, through the helper channel). */
struct oa2_logger {
	void (*line)(void *ctx, int prio, const char *text);
	void *ctx;
	bool debug;
};

#endif
