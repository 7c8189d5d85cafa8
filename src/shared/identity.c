/* identity.c - the verified identity record (identity.h), on its own so the
 * PAM module can hold one without linking the token validation code. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "identity.h"

void oa2_identity_clear(struct oa2_identity *id)
{
	if (id == NULL)
		return;
	free(id->claims);
	free(id->scope);
	id->claims = NULL;
	id->scope = NULL;
	id->source = NULL;
	memset(&id->use_once, 0, sizeof(id->use_once));
}
