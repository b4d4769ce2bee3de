/* Content negotiation for /metrics: which exposition format an Accept header
 * asks for. Parsed per request, before anything is rendered or copied. */
#ifndef IM_NEGOTIATE_H
#define IM_NEGOTIATE_H

#include "snapshot.h"

/* The format the Accept header (NULL: none) prefers among the three, by q
 * value, the first listed on a tie; text when nothing we serve is acceptable
 * or the header cannot be parsed, as Prometheus' own clients do. */
enum expo_format negotiate_format(const char *accept);

/* The Content-Type to send with that format. */
const char *negotiate_content_type(enum expo_format f);

#endif
