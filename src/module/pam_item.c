/* pam_item.c - reading the PAM handle's string items. */
#include "autoconfig.h"

#include <stddef.h>

#include "pam_item.h"

const char *oa2_pam_item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL || *(const char *)v == '\0')
		return NULL;
	return v;
}
