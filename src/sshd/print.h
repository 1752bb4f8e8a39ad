/* print.h — `sshd -T` output of an effective sshd configuration (kw_sshd_print is declared
 * in config.h). Owner: helper "engine". Internal: the MaxStartups text, kept as three
 * integers by config.c. */
#ifndef KW_SSHD_PRINT_H
#define KW_SSHD_PRINT_H

#include "sshd/config.h"

int kw_sshd__maxstartups(const kw_sshd_result *r, char *buf, size_t n);

#endif
