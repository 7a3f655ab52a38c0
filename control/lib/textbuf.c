// SPDX-License-Identifier: MIT
/* textbuf.c - appending formatted text and JSON strings to a growing buffer (see textbuf.h). */
#include "control/lib/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_printf(struct textbuf *tb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tb->oom)
		return;
	for (;;) {
		size_t room = tb->cap - tb->len;

		va_start(ap, fmt);
		n = vsnprintf(tb->data ? tb->data + tb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			tb->oom = true;
			return;
		}
		if ((size_t)n < room) {
			tb->len += (size_t)n;
			return;
		}
		size_t cap = (tb->cap ? tb->cap * 2 : 4096) + (size_t)n;
		char *grown = realloc(tb->data, cap);

		if (!grown) {
			tb->oom = true;
			return;
		}
		tb->data = grown;
		tb->cap = cap;
	}
}

void tb_json_str(struct textbuf *tb, const char *s)
{
	tb_printf(tb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			tb_printf(tb, "\\%c", c);
		else if (c < 0x20)
			tb_printf(tb, "\\u%04x", c);
		else
			tb_printf(tb, "%c", c);
	}
	tb_printf(tb, "\"");
}

void tb_free(struct textbuf *tb)
{
	free(tb->data);
	memset(tb, 0, sizeof(*tb));
}
