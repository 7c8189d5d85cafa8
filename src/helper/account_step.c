/* account_step.c - answer the module's ACCOUNT message (see account_step.h). */
#include "autoconfig.h"

#include <string.h>
#include <time.h>

#include "account_groups.h"
#include "account_step.h"
#include "accounts.h"
#include "shared/ipc.h"
#include "shared/json.h"

/* The identity's issuer (the token's iss; the configured issuer when the
 * claims carry none, e.g. some userinfo answers) and sub, then the store. */
static int serve(const struct oa2_config *cfg, const char *claims, int64_t op, const char *name,
		 unsigned long *uid, oa2_error *err)
{
	struct oa2_account_store store;
	struct oa2_account acct;
	json_object *o = NULL;
	const char *iss = NULL, *sub = NULL;
	struct oa2_groups_wanted wanted;
	bool ours = false;
	int rc = -1;

	*uid = 0;
	if (op == OA2_ACCOUNT_OP_NONE)
		return 0;
	if (name == NULL || claims == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper: account request without a name");
	o = oa2_json_parse(claims, strlen(claims), "the claims", err);
	if (o == NULL)
		goto out;
	if (oa2_json_string(o, "sub", &sub) != 0 || oa2_json_string(o, "iss", &iss) < 0) {
		oa2_fail(err, OA2_ERR_DENIED, "the claims have no usable 'sub' or 'iss'");
		goto out;
	}
	/* the groups first: a misconfigured group_map refuses before anything
	 * is written */
	if (oa2_account_groups_plan(name, cfg->group_map, o, cfg->groups_claim, &wanted, err) != 0)
		goto out;
	oa2_account_store_init(&store, cfg);
	/* groups written GROUP+ are made after the account (a refusal there
	 * refuses the login; the next one tries again) */
	if (oa2_account_claim(&store, iss != NULL ? iss : cfg->issuer, sub, name,
			      op == OA2_ACCOUNT_OP_CREATE, time(NULL), &acct, &ours, err) != 0 ||
	    (ours && (oa2_account_make_groups(&store, &wanted, time(NULL), err) != 0 ||
		      oa2_account_groups(&store, name, &wanted, err) != 0)))
		goto out;
	*uid = ours ? acct.uid : 0;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

int oa2_account_step(int fd, const struct oa2_config *cfg, const char *claims)
{
	struct oa2_msg m = {0};
	oa2_error err = {0};
	int64_t op = -1;
	const char *name = NULL;
	unsigned long uid = 0;
	int rc = -1;

	if (oa2_ipc_recv(fd, &m, -1, NULL) != 0) {
		rc = 0; /* the module ended the login: nothing to do */
		goto out;
	}
	if (m.type != OA2_IPC_ACCOUNT || oa2_msg_get_int(&m, &op) != 0 ||
	    oa2_msg_get_str(&m, &name) != 0 || op < OA2_ACCOUNT_OP_NONE ||
	    op > OA2_ACCOUNT_OP_CREATE)
		goto out;
	if (cfg->accounts != OA2_ACCOUNTS_CREATE)
		oa2_fail(&err, OA2_ERR_INTERNAL, "helper: accounts are off");
	else
		(void)serve(cfg, claims, op, name, &uid, &err);
	oa2_msg_clear(&m);
	oa2_msg_init(&m, OA2_IPC_ACCOUNT_DONE);
	oa2_msg_put_int(&m, err.kind);
	oa2_msg_put_str(&m, err.msg);
	oa2_msg_put_int(&m, err.kind == OA2_OK ? (int64_t)uid : 0);
	rc = oa2_ipc_send(fd, &m, NULL);
out:
	oa2_msg_clear(&m);
	return rc;
}
