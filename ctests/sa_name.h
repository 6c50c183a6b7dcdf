/*
 * sa_name.h: an SaNameT (checkpoint, channel or publisher name) from
 * printf-style text, for the C programs of ctests/.
 */
#ifndef CTESTS_SA_NAME_H
#define CTESTS_SA_NAME_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openais/saAis.h>

/*
 * Sets N to the formatted text, zero-padded.  The length is the text's
 * whole length even when the text does not fit, so that a name that is
 * too long is refused by the library (SA_AIS_ERR_INVALID_PARAM), never
 * silently cut short.
 */
static inline void sa_name_printf(SaNameT *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void sa_name_printf(SaNameT *n, const char *fmt, ...)
{
	va_list ap;

	memset(n, 0, sizeof(*n));
	va_start(ap, fmt);
	n->length = (SaUint16T)vsnprintf((char *)n->value, sizeof(n->value), fmt, ap);
	va_end(ap);
}

/* Sets N to TEXT; returns -1 when TEXT is longer than an SaNameT holds, else 0 */
static inline int sa_name_set(SaNameT *n, const char *text)
{
	sa_name_printf(n, "%s", text);
	return strlen(text) > SA_MAX_NAME_LENGTH ? -1 : 0;
}

#endif /* CTESTS_SA_NAME_H */
