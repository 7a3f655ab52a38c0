// SPDX-License-Identifier: MIT
/*
 * config_keys.c - prints every key the configuration loader accepts, one "section<TAB>key" line
 * each ("" section: the top level), from control/conf/'s own key lists
 * (config_for_each_key). tests/integration/test_manpages.sh checks them against edgelb.conf(5).
 */
#include <stdio.h>

#include "control/conf/config.h"

static void print_key(const char *section, const char *key, void *arg)
{
	printf("%s\t%s\n", section, key);
	(*(unsigned *)arg)++;
}

int main(void)
{
	unsigned n = 0;

	config_for_each_key(print_key, &n);
	return n ? 0 : 1;
}
