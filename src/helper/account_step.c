/* account_step.c - answer the module's ACCOUNT message (see account_step.h). */
#include "autoconfig.h"

#include <string.h>
#include <time.h>

#include "account_groups.h"
#include "account_step.h"
#include "accounts.h"
#include "shared/ipc.h"
#include "shared/jscan.h"

/* The identity's IdP groups: the groups_claim member, an array of strings
 * (other members skipped) or one space-separated string; absent: none.
 * group_map (docs/accounts.md) reads top-level claims only. */
static int idp_groups(oa2_jobj *o, const char *claim, const char **out, size_t *n,
		      char *split, size_t splitlen, oa2_error *err)
{
	struct oa2_jval arr, el;
	const char *str;
	size_t pos = 0;
	int k;

	*n = 0;
	if ((k = oa2_jobj_array(o, claim, &arr)) == 0) {
		while (oa2_jval_next(&arr, &pos, &el) && *n < OA2_ACCOUNT_GROUPS_MAX) {
			if (oa2_jval_string(o, &el, &str) == 0)
				out[(*n)++] = str;
		}
		return 0;
	}
	if (k == 1)
		return 0;
	if (oa2_jobj_string(o, claim, &str) != 0 || strlen(str) >= splitlen)
		return oa2_fail(err, OA2_ERR_DENIED,
				"group_map: claim '%s' is neither an array nor a string of groups",
				claim);
	strcpy(split, str);
	for (char *save = NULL, *g = strtok_r(split, " ", &save);
	     g != NULL && *n < OA2_ACCOUNT_GROUPS_MAX; g = strtok_r(NULL, " ", &save))
		out[(*n)++] = g;
	return 0;
}

/* The identity's issuer (the token's iss; the configured issuer when the
 * claims carry none, e.g. some userinfo answers) and sub, then the store. */
static int serve(const struct oa2_config *cfg, const char *claims, int64_t op, const char *name,
		 unsigned long *uid, oa2_error *err)
{
	struct oa2_account_store store;
	struct oa2_account acct;
	oa2_jobj o = {0};
	const char *iss = NULL, *sub = NULL;
	const char *groups[OA2_ACCOUNT_GROUPS_MAX];
	char split[8192];
	size_t ngroups = 0;
	struct oa2_groups_wanted wanted;
	bool ours = false;
	int rc = -1;

	*uid = 0;
	if (op == OA2_ACCOUNT_OP_NONE)
		return 0;
	if (name == NULL || claims == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "helper: account request without a name");
	if (oa2_jscan_object(&o, claims, strlen(claims), "the claims", err) != 0)
		goto out;
	if (oa2_jobj_string(&o, "sub", &sub) != 0 || oa2_jobj_string(&o, "iss", &iss) < 0) {
		oa2_fail(err, OA2_ERR_DENIED, "the claims have no usable 'sub' or 'iss'");
		goto out;
	}
	/* the groups first: a misconfigured group_map refuses before anything
	 * is written */
	if (idp_groups(&o, cfg->groups_claim, groups, &ngroups, split, sizeof(split), err) != 0 ||
	    oa2_account_groups_plan(name, cfg->group_map, groups, ngroups, &wanted, err) != 0)
		goto out;
	oa2_account_store_init(&store, cfg);
	if (oa2_account_claim(&store, iss != NULL ? iss : cfg->issuer, sub, name,
			      op == OA2_ACCOUNT_OP_CREATE, time(NULL), &acct, &ours, err) != 0 ||
	    (ours && oa2_account_groups(&store, name, &wanted, err) != 0))
		goto out;
	*uid = ours ? acct.uid : 0;
	rc = 0;
out:
	oa2_jobj_clear(&o);
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
