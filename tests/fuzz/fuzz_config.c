/* fuzz_config.c - libFuzzer target: the configuration file parser and the
 * folding of module arguments over it (oa2_config_parse_text).
 *
 * Input: "<file text>" or "<file text>\n--args--\n<arg>\n<arg>...". Each line
 * after the separator is one module argument (at most 16), as PAM would pass
 * them from a service file. Nothing touches the file system, except that an
 * input naming client_secret_file is skipped: that key makes the parser read
 * a file, which would make a run depend on the machine.
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/config.h"

#define SEP "\n--args--\n"
#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every field a later stage reads: touch the strings so ASan sees them. */
static size_t touch(const struct oa2_config *cfg)
{
	const char *s[] = {cfg->config_file, cfg->issuer, cfg->client_id, cfg->client_secret,
			   cfg->scope, cfg->username_claim, cfg->groups_claim, cfg->require_groups,
			   cfg->password_ttys, cfg->cache_dir, cfg->offline_dir, cfg->strip_domains,
			   cfg->user_map_file, cfg->require_scope, cfg->require_acr,
			   cfg->require_amr, cfg->require_claims, cfg->ca_file};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		n += s[i] ? strlen(s[i]) : 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[MAX_ARGS];
	char *buf, *sep, *text_end, *p;
	struct oa2_config *cfg;
	oa2_error err = {0};
	int argc = 0;

	if (memmem(data, size, "client_secret_file", 18) != NULL)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	text_end = buf + size;
	sep = memmem(buf, size, SEP, strlen(SEP));
	if (sep != NULL) {
		text_end = sep;
		/* Arguments are C strings: one per line, cut at a NUL too. */
		for (p = sep + strlen(SEP); argc < MAX_ARGS && p < buf + size; ) {
			char *nl = strchr(p, '\n');

			argv[argc++] = p;
			if (nl == NULL)
				break;
			*nl = '\0';
			p = nl + 1;
		}
	}
	cfg = oa2_config_parse_text(buf, (size_t)(text_end - buf), argc, argv, &err);
	if (cfg != NULL) {
		(void)touch(cfg);
		if (err.kind != OA2_OK)
			abort(); /* success must not leave an error behind */
	} else if (err.kind == OA2_OK || err.msg[0] == '\0') {
		abort(); /* every refusal says why */
	}
	oa2_config_free(cfg);
	free(buf);
	return 0;
}
