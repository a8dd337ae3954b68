#ifndef PORTCULLIS_CZLIB_SHIM_H
#define PORTCULLIS_CZLIB_SHIM_H
// zlib's inflate: `report` reads gzip-rotated logs member by member (ReportReader), so that
// trailing garbage and cut streams are seen, which gzread would silently ignore.
#include <zlib.h>

/// inflateInit2 is a macro (it passes the version and struct size); Swift cannot call it.
/// windowBits 15 + 16: gzip wrapper only.
static inline int pcz_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
