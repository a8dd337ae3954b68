#ifndef PORTCULLIS_CPCAP_SHIM_H
#define PORTCULLIS_CPCAP_SHIM_H
// libpcap for reading and writing captures (Log's PcapReader / PcapWriter).
#include <pcap/pcap.h>

/// Linux's value of DLT_RAW (raw IP), which the header defines per platform.
static inline int pcs_dlt_raw(void) { return DLT_RAW; }

/// The error buffer size pcap_open_* expects (PCAP_ERRBUF_SIZE is a macro).
static inline int pcs_errbuf_size(void) { return PCAP_ERRBUF_SIZE; }

#endif
