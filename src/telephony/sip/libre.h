// libre (and librem's G.711) for the .cpp files of the SIP provider, never for a header: libre's
// headers define min/max macros (undone here) and read configuration macros that its own build
// passes on the command line. HAVE_STDBOOL_H matters most: without it re_types.h redefines `bool`.
// Include it last, after the standard headers.
#pragma once

#ifndef HAVE_INTTYPES_H
#define HAVE_INTTYPES_H 1
#endif
#ifndef HAVE_STDBOOL_H
#define HAVE_STDBOOL_H 1
#endif
#ifndef HAVE_INET6
#define HAVE_INET6 1
#endif
#ifndef USE_OPENSSL  // Debian's libre is built with OpenSSL: declares tls_openssl_context
#define USE_OPENSSL 1
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#include <re/re.h>
#include <rem/rem_g711.h>
#pragma GCC diagnostic pop
#undef min
#undef max
