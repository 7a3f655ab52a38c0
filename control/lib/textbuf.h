/* SPDX-License-Identifier: MIT */
/*
 * textbuf.h - a growing text buffer for API answers, metrics and status lines. Out of memory is
 * sticky (oom): later appends do nothing, so a caller checks once at the end.
 */
#ifndef EDGELB_CONTROL_LIB_TEXTBUF_H
#define EDGELB_CONTROL_LIB_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *data;
	size_t len, cap;
	bool oom;
};

void tb_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a JSON string literal, quotes included */
void tb_json_str(struct textbuf *tb, const char *s);
void tb_free(struct textbuf *tb);

#endif
