/* harness.h - what every integration test needs: the real PAM stack through
 * pam_wrapper (never the machine's /etc/pam.d), the bundled test IdP over
 * real HTTPS, and a way to read what the module logged. */
#ifndef OA2_TEST_HARNESS_H
#define OA2_TEST_HARNESS_H

#include <security/pam_appl.h>
#include <stdbool.h>
#include <stddef.h>

struct oa2t_idp {
	char dir[256];      /* state dir: CA, log, idp.env */
	char issuer[160];
	char control[160];
	char ca[320];
	int port;
};

/* A PAM service for pam_wrapper. pam_wrapper copies the service directory
 * when the process starts, so services are declared up front; "%T" in args
 * stands for the scratch directory (configs are written there later). */
struct oa2t_service {
	const char *name;
	const char *args;
	/* true: put pam_wrapper's pam_set_items.so first, which sets PAM_TTY,
	 * PAM_RHOST, PAM_AUTHTOK ... from environment variables of those names */
	bool set_items;
};
/* In args, " | " separates the auth line's arguments from the account
 * line's (two module instances with different configurations); without it
 * both lines get the same arguments. */

/* Call first in main(): writes the services, re-executes the test with
 * pam_wrapper preloaded, and makes a scratch directory (oa2t_tmp). The list
 * ends with a {NULL, NULL} entry. */
void oa2t_init(int argc, char **argv, const struct oa2t_service *services);

/* The services of the tests against one config, %T/oa2.conf (debug):
 * "oa2" (a local login), "sshd-oa2" (the prompt mode of sshd) and
 * "items-oa2" (PAM items from the environment, see set_items). */
extern const struct oa2t_service oa2t_services_oa2[];

/* The scratch directory of this test run (removed at exit). */
const char *oa2t_tmp(void);

/* Start / stop the test IdP (tests/idp/idp.sh). extra: server options. */
int oa2t_idp_start(struct oa2t_idp *idp, const char *name, const char *extra);
void oa2t_idp_stop(struct oa2t_idp *idp);
/* A cmocka test setup: unset PAM_TTY, PAM_RHOST and PAM_AUTHTOK (the
 * items a set_items service takes from the environment). */
int oa2t_unset_items(void **state);
/* A cmocka group teardown stopping the IdP in *state (the group setup
 * stores the started IdP there). */
int oa2t_idp_teardown(void **state);

/* Call the IdP's control API; returns the HTTP status, body in *out (may be
 * NULL) which the caller frees. */
long oa2t_control(const struct oa2t_idp *idp, const char *method, const char *path,
		  const char *json, char **out);

/* POST form to the IdP's HTTPS issuer + path (verified against its CA),
 * with HTTP Basic user:secret when user is not NULL; returns the HTTP
 * status, the body in *out (may be NULL) which the caller frees. */
long oa2t_idp_post(const struct oa2t_idp *idp, const char *path, const char *form,
		   const char *user, const char *secret, char **out);

/* Make the next count requests to endpoint (an IdP fault endpoint name)
 * get HTTP status with the JSON value json or, when json is NULL, the plain
 * text (NULL: empty; no JSON escaping). Returns the control API's status. */
long oa2t_answer(const struct oa2t_idp *idp, const char *endpoint, int count, int status,
		 const char *json, const char *text);

/* Seconds (from the epoch) of the token requests the IdP recorded (GET
 * /polls), oldest first; returns how many, -1 on error. */
int oa2t_poll_times(const struct oa2t_idp *idp, double *t, int max);
/* Fail the running cmocka test unless every poll from t[1] on came at
 * least min_s after the one before it. */
void oa2t_expect_poll_gaps(const double *t, int n, double min_s);
/* Counter for one endpoint from GET /counts (-1 on error). */
long oa2t_count(const struct oa2t_idp *idp, const char *endpoint);

/* Write a file (mode applied) under the scratch dir; returns its path in a
 * static buffer rotation of 8 entries. */
const char *oa2t_write(const char *name, const char *content, unsigned mode);
/* Write the configuration name (0644) under the scratch dir for a client
 * of idp: issuer, client_id (pam-confidential: with its client_secret_file),
 * ca_file, cache_dir = <scratch>/cache, then the lines rest (may be NULL).
 * Returns its path as oa2t_write does. */
const char *oa2t_write_config(const char *name, const struct oa2t_idp *idp, const char *client_id,
			      const char *cache, const char *rest);


/* Module log capture: everything pam_syslog writes (pam_wrapper turns it
 * into stderr lines) between _begin and _end is kept for _has. */
void oa2t_log_begin(void);
void oa2t_log_end(void);
bool oa2t_log_has(const char *needle);
/* Fail the running cmocka test when the captured log lacks needle. */
void oa2t_expect_log(const char *needle);
const char *oa2t_log_text(void);
/* How many captured lines hold needle (at_start: begin with it). */
int oa2t_log_lines(const char *needle, bool at_start);

/* What a conversation saw and how it answers. */
struct oa2t_conv {
	char text[16384];        /* every message shown, concatenated */
	const char *answers[8];  /* answers to prompts in order; "" after them */
	int nanswers;
	int prompts;
	/* Called on each message before answering (may approve at the IdP). */
	void (*on_message)(struct oa2t_conv *conv, int style, const char *msg);
	void *user;
};

/* Run pam_authenticate (and, when acct is true, pam_acct_mgmt after a
 * success) for user through service with conv; returns the PAM result of
 * the last step run. Module log lines are captured (see oa2t_log_has). */
int oa2t_auth(const char *service, const char *user, struct oa2t_conv *conv, bool acct);

/* The same without log capture (for many processes at once). */
int oa2t_auth_quiet(const char *service, const char *user, struct oa2t_conv *conv);

/* Find the user code in the device grant's instructions. */
bool oa2t_user_code(const char *text, char *out, size_t len);

/* What an approver reads off the screen to name the login at the IdP. */
enum oa2t_screen_key {
	OA2T_KEY_USER_CODE, /* the device grant's "enter the code: X" -> user_code */
	OA2T_KEY_BINDING,   /* CIBA's "Approve the login on your phone: X" -> binding_message */
};

/* An on_message callback (oa2t_screen_act, conv->user) that acts at the
 * IdP once its key appears on screen: POST route of the control API with
 * the key (under the key's field name) and username (NULL: no username
 * member), after delay_ms (done by a child process so the module keeps
 * polling meanwhile; the child's exit status is 0 for a 200 answer). */
struct oa2t_screen_action {
	const struct oa2t_idp *idp;
	enum oa2t_screen_key find;
	const char *route;    /* e.g. "/device/approve", "/ciba/deny" */
	const char *username;
	int delay_ms;
	char **peek;          /* when set: GET peek_route into it before acting */
	const char *peek_route;
	int done;             /* the key was seen (and the action started) */
	long status;          /* the control API's answer (without delay) */
	char key[64];
};
void oa2t_screen_act(struct oa2t_conv *conv, int style, const char *msg);
/* The device grant's approver: approve as username (NULL: deny). */
struct oa2t_screen_action oa2t_device_approver(const struct oa2t_idp *idp, const char *username,
					      int delay_ms);

/* Log in to service as user (pam_authenticate, then pam_acct_mgmt) with
 * on_message(who) acting on what is shown; reaps delayed actions. */
int oa2t_login(const char *service, const char *user,
	       void (*on_message)(struct oa2t_conv *, int, const char *), void *who,
	       struct oa2t_conv *conv);

/* The prompt mode (sshd-style services): a success after exactly one
 * prompt, the Enter hint shown and the accepted line for service and user
 * in the log. */
void oa2t_expect_prompt_mode(int rc, const struct oa2t_conv *conv, const char *service,
			     const char *user);
/* The user typed 'cancel' at that prompt: PAM_ABORT, "Login cancelled."
 * on screen. */
void oa2t_expect_cancelled(int rc, const struct oa2t_conv *conv);

/* Wait for children started by delayed actions. */
void oa2t_reap(void);

#endif
