/* parse_config.c - run the module's configuration parser on a file, without
 * the file-safety checks and without contacting the IdP: for
 * tests/docs/test_examples.py, which feeds it every configuration example
 * of the documentation.
 *
 *   parse_config FILE [ARG...]   FILE as the configuration file's text, each
 *                                ARG as a module argument ("key=value")
 *
 * Prints "ok" and exits 0 when the parser accepts it, else prints the
 * parser's message and exits 1 (2 for a usage or read error). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "shared/config.h"
#include "shared/error.h"

int main(int argc, char **argv)
{
	char *text;
	size_t len;
	FILE *f;
	oa2_error err = {0};
	struct oa2_config *cfg;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [MODULE-ARGUMENT...]\n", argv[0]);
		return 2;
	}
	text = malloc(OA2_CONFIG_MAX_SIZE + 1);
	f = fopen(argv[1], "r");
	if (text == NULL || f == NULL) {
		perror(argv[1]);
		free(text);
		if (f != NULL)
			fclose(f);
		return 2;
	}
	len = fread(text, 1, OA2_CONFIG_MAX_SIZE + 1, f);
	fclose(f);
	cfg = oa2_config_parse_text(text, len, argc - 2, (const char **)argv + 2, &err);
	free(text);
	if (cfg == NULL) {
		printf("%s\n", err.msg);
		return 1;
	}
	oa2_config_free(cfg);
	printf("ok\n");
	return 0;
}
