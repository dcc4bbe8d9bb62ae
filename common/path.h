/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Joining paths the way a user reads them: "DIR/NAME" without the noise a
 * plain "%s/%s" leaves when DIR is "." or ends in '/', or NAME begins with
 * "./" (a lab imported from "." used to name "././r1.startup").
 */
#ifndef NC_COMMON_PATH_H
#define NC_COMMON_PATH_H

#include <stddef.h>

/* DIR/NAME into buf, lexically tidied: repeated '/' and "." components
 * are dropped, and so is a trailing '/'. A relative result whose first
 * component was "." keeps one leading "./" (it still reads as relative to
 * the current directory, and a bind source stays a path); "." alone stays
 * ".". ".." is kept where it is: folding it would be wrong across a
 * symlink. An absolute NAME, or a NULL or empty DIR, gives NAME alone,
 * tidied the same way. -ENAMETOOLONG when it does not fit (buf then holds
 * an empty string), else 0. */
int nc_path_join(char *buf, size_t size, const char *dir, const char *name);

#endif
