/* placeholder until the libnfc backend is written */
#include "firmware/reader.h"
#include <errno.h>
static int nfc_stub_open(const struct reader_options *opt, void **priv) { (void)opt; (void)priv; return -ENOSYS; }
const struct reader_ops reader_nfc_ops = { .name = "nfc", .open = nfc_stub_open };
