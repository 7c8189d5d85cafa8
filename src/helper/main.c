/* main.c - pam_oauth2_helper: the network part of one login.
 *
 * Started by pam_oauth2.so only (see module/helper_client.h), with its channel on fd 3.
 * It reads the module arguments and the login request, loads the same
 * configuration, runs online.c (discovery, grant, validation, offline
 * fallback) with a conversation that goes back to the module, sends the
 * verified claims, and on the module's word records a single-use token
 * (replay.h) and stores the offline entry. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account_step.h"
#include "offline.h"
#include "online.h"
#include "replay.h"
#include "shared/config.h"
#include "shared/i18n.h"
#include "shared/ipc.h"
#include "shared/json.h"
#include "shared/refusal.h"
#include "shared/strutil.h"

#define CHANNEL 3
#define MAX_ARGS 64
#define FIRST_MESSAGE_MS 10000

struct request {
	struct oa2_msg msg; /* the strings below point into it */
	int argc;
	const char *argv[MAX_ARGS];
	struct oa2_online_request login;
	int utf8;
	int info_needs_prompt;
	const char *user;     /* for the login screen; NULL when unknown */
	const char *service;
	const char *locale;   /* validated (i18n.h) or NULL */
	const char *language;
	int columns;
};

/* What the module sends for the login screen: checked here too. The user
 * name is any string a remote user typed (the screen escapes it); the
 * service a short printable name; the locale names a strict charset. */
static int read_screen_fields(struct request *r)
{
	struct oa2_msg *m = &r->msg;
	int64_t columns;

	if (oa2_msg_get_str(m, &r->user) != 0 || oa2_msg_get_str(m, &r->service) != 0 ||
	    oa2_msg_get_str(m, &r->locale) != 0 || oa2_msg_get_str(m, &r->language) != 0 ||
	    oa2_msg_get_int(m, &columns) != 0)
		return -1;
	if (r->user != NULL && strlen(r->user) > 256)
		r->user = NULL;
	if (r->service != NULL && (strlen(r->service) > 64 || !oa2_is_token_chars(r->service)))
		r->service = NULL;
	if (!oa2_locale_name_valid(r->locale, false))
		r->locale = NULL;
	if (!oa2_locale_name_valid(r->language, true))
		r->language = NULL;
	r->columns = columns >= 40 && columns <= 1000 ? (int)columns : 0;
	return 0;
}

static int read_request(struct request *r, oa2_error *err)
{
	struct oa2_msg *m = &r->msg;
	int64_t version, argc, grant, offline, utf8, prompt;

	if (oa2_ipc_recv(CHANNEL, m, FIRST_MESSAGE_MS, err) != 0)
		return -1;
	if (m->type != OA2_IPC_REQUEST || oa2_msg_get_int(m, &version) != 0 ||
	    version != OA2_IPC_VERSION || oa2_msg_get_int(m, &argc) != 0 || argc < 0 ||
	    argc > MAX_ARGS)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper: malformed request");
	r->argc = (int)argc;
	for (int i = 0; i < r->argc; i++) {
		if (oa2_msg_get_str(m, &r->argv[i]) != 0 || r->argv[i] == NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "helper: malformed request");
	}
	if (oa2_msg_get_int(m, &grant) != 0 || oa2_msg_get_str(m, &r->login.user) != 0 ||
	    oa2_msg_get_str(m, &r->login.password) != 0 || oa2_msg_get_int(m, &offline) != 0 ||
	    oa2_msg_get_int(m, &utf8) != 0 || oa2_msg_get_int(m, &prompt) != 0 ||
	    read_screen_fields(r) != 0 ||
	    (grant != OA2_GRANT_DEVICE && grant != OA2_GRANT_PASSWORD && grant != OA2_GRANT_CODE &&
	     grant != OA2_GRANT_TOKEN && grant != OA2_GRANT_CIBA && grant != OA2_GRANT_AUTO_CIBA) ||
	    ((grant == OA2_GRANT_PASSWORD || grant == OA2_GRANT_TOKEN) &&
	     (r->login.user == NULL || r->login.password == NULL)) ||
	    ((grant == OA2_GRANT_CIBA || grant == OA2_GRANT_AUTO_CIBA) && r->login.user == NULL))
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper: malformed request");
	r->login.grant = (int)grant;
	r->login.offline_allowed = offline != 0;
	r->utf8 = utf8 != 0;
	r->info_needs_prompt = prompt != 0;
	return 0;
}

/* The conversation, relayed to the module. */
static int relay(uint32_t type, const char *text, char **answer)
{
	struct oa2_msg m;
	int64_t status = -1;
	const char *a = NULL;
	int rc = -1;

	oa2_msg_init(&m, type);
	oa2_msg_put_str(&m, text);
	if (oa2_ipc_send(CHANNEL, &m, NULL) != 0 || oa2_ipc_recv(CHANNEL, &m, -1, NULL) != 0 ||
	    m.type != OA2_IPC_REPLY || oa2_msg_get_int(&m, &status) != 0 ||
	    oa2_msg_get_str(&m, &a) != 0 || status != 0)
		goto out;
	if (answer != NULL) {
		if (a == NULL || (*answer = strdup(a)) == NULL)
			goto out;
	}
	rc = 0;
out:
	oa2_msg_clear(&m);
	return rc;
}

static int ui_info(void *ctx, const char *text)
{
	(void)ctx;
	return relay(OA2_IPC_INFO, text, NULL);
}

/* Whether the user was already told why the login failed. */
static int told;

static int ui_error(void *ctx, const char *text)
{
	(void)ctx;
	told = 1;
	return relay(OA2_IPC_ERROR, text, NULL);
}

/* A refused login ends with one line for the user (refusal.h). */
static void tell_refusal(const oa2_error *err)
{
	const char *line = oa2_refusal_line(err);

	if (!told && line != NULL)
		(void)ui_error(NULL, _(line));
}

static int ui_ask(void *ctx, const char *text, int echo, char **answer)
{
	(void)ctx;
	*answer = NULL;
	return relay(echo ? OA2_IPC_ASK_ECHO : OA2_IPC_ASK_NOECHO, text, answer);
}

static void log_line(void *ctx, int prio, const char *text)
{
	struct oa2_msg m;

	(void)ctx;
	oa2_msg_init(&m, OA2_IPC_LOG);
	oa2_msg_put_int(&m, prio);
	oa2_msg_put_str(&m, text);
	(void)oa2_ipc_send(CHANNEL, &m, NULL);
	oa2_msg_clear(&m);
}

static int send_result(const oa2_error *err, const struct oa2_identity *id, bool was_online)
{
	struct oa2_msg m;
	int rc;

	oa2_msg_init(&m, OA2_IPC_RESULT);
	oa2_msg_put_int(&m, err->kind);
	oa2_msg_put_str(&m, err->msg);
	oa2_msg_put_str(&m, err->kind == OA2_OK ? id->source : NULL);
	oa2_msg_put_str(&m, err->kind == OA2_OK ? id->scope : NULL);
	oa2_msg_put_int(&m, id->fetched.jwks);
	oa2_msg_put_int(&m, was_online);
	oa2_msg_put_str(&m, err->kind == OA2_OK ? id->claims : NULL);
	rc = oa2_ipc_send(CHANNEL, &m, NULL);
	oa2_msg_clear(&m);
	return rc;
}

/* The module accepted a token login: its single-use entry, now (replay.h).
 * A failure refuses the login. */
static int record_use(const struct oa2_config *cfg, const struct oa2_identity *id,
		      oa2_error *err)
{
	if (!id->use_once.set)
		return 0;
	return oa2_replay_record(cfg->token_replay_dir, &id->use_once, time(NULL), err);
}

/* After the result: the module's decision, the single-use entry and the
 * offline entry. DONE says whether the login must be refused after all. */
static int finish(const struct oa2_config *cfg, const struct request *r,
		  const struct oa2_identity *id, bool was_online)
{
	struct oa2_msg m = {0};
	oa2_error err = {0};
	int64_t what = OA2_FINISH_NOTHING, accepted = 0;
	int refuse = 0, rc = -1;

	if (oa2_ipc_recv(CHANNEL, &m, -1, NULL) != 0) {
		rc = 0; /* the module ended the login: nothing to do */
		goto out;
	}
	if (m.type != OA2_IPC_FINISH || oa2_msg_get_int(&m, &what) != 0 ||
	    oa2_msg_get_int(&m, &accepted) != 0)
		goto out;
	if (accepted == 1 && record_use(cfg, id, &err) != 0)
		refuse = 1;
	else if (was_online && r->login.grant == OA2_GRANT_PASSWORD) {
		if (what == OA2_FINISH_STORE && cfg->offline_cache)
			(void)oa2_offline_store(cfg, r->login.user, r->login.password, id->claims,
						id->scope, time(NULL), &err);
		else if (what == OA2_FINISH_RETIRE)
			(void)oa2_offline_retire(cfg, r->login.user, &err);
	}
	oa2_msg_clear(&m);
	oa2_msg_init(&m, OA2_IPC_DONE);
	oa2_msg_put_int(&m, err.kind);
	oa2_msg_put_str(&m, err.msg);
	oa2_msg_put_int(&m, refuse);
	rc = oa2_ipc_send(CHANNEL, &m, NULL);
out:
	oa2_msg_clear(&m);
	return rc;
}

int main(int argc, char **argv)
{
	struct request r = {0};
	struct oa2_identity id = {0};
	struct oa2_config *cfg = NULL;
	struct oa2_ui ui = {0};
	struct oa2_logger log = {log_line, NULL, false};
	oa2_error err = {0};
	struct stat st;
	bool was_online = true;
	int rc = 1;

	(void)argv;
	if (argc != 1 || fstat(CHANNEL, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "pam_oauth2_helper: started by pam_oauth2.so only\n");
		return 2;
	}
	/* The module set this before exec; an exec that changed credentials
	 * cleared it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read_request(&r, &err) != 0)
		goto out;
	oa2_i18n_use(r.locale, r.language, r.utf8);
	cfg = oa2_config_load(r.argc, r.argv, &err);
	if (cfg == NULL) {
		tell_refusal(&err);
		(void)send_result(&err, &id, true);
		goto out;
	}
	ui.info = ui_info;
	ui.error = ui_error;
	ui.ask = ui_ask;
	ui.utf8 = r.utf8;
	ui.info_needs_prompt = r.info_needs_prompt;
	ui.user = r.user;
	ui.service = r.service;
	ui.locale = r.locale;
	ui.language = r.language;
	ui.columns = r.columns;
	log.debug = cfg->debug;
	if (oa2_online_login(cfg, &r.login, &ui, &log, &id, &was_online, &err) != 0)
		tell_refusal(&err);
	if (send_result(&err, &id, was_online) != 0)
		goto out;
	/* accounts = create: the module's ACCOUNT comes before its FINISH */
	if (err.kind == OA2_OK && cfg->accounts == OA2_ACCOUNTS_CREATE &&
	    oa2_account_step(CHANNEL, cfg, id.claims) != 0)
		goto out;
	if (err.kind == OA2_OK && finish(cfg, &r, &id, was_online) != 0)
		goto out;
	rc = 0;
out:
	oa2_identity_clear(&id);
	oa2_config_free(cfg);
	oa2_msg_clear(&r.msg);
	return rc;
}
