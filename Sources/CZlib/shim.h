#ifndef PORTCULLIS_CZLIB_SHIM_H
#define PORTCULLIS_CZLIB_SHIM_H
// zlib's gz* file functions: `report` reads plain and gzip-rotated logs through gzread,
// which passes uncompressed files through unchanged.
#include <zlib.h>

#endif
