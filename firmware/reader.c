/* Picks a reader backend from the connstring: see reader.h. */
#include "firmware/reader.h"

#include <string.h>

const struct reader_ops *reader_ops_for(const char *connstring)
{
	if (connstring && strncmp(connstring, "fake:", 5) == 0)
		return &reader_fake_ops;
	return &reader_nfc_ops;
}
