/*
 * Replays a fuzz target's corpus with a plain main(), so that the gcc builds of `make check`
 * (default and ASan+UBSan) run every seed and every saved crasher through the target.
 *
 *   replay/<name> DIR...   each regular file in each DIR is one input
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int ret = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	int files = 0, errors = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) != 0) {
				printf("FAIL: replay:%s: cannot read\n", path);
				errors++;
			}
			files++;
		}
		closedir(d);
	}
	if (files == 0) {
		printf("FAIL: replay:%s: no corpus files (every fuzz target needs seeds)\n",
		       argc > 1 ? argv[1] : "?");
		return 1;
	}
	if (!errors)
		printf("PASS: replay:%s: %d inputs\n", argc > 1 ? argv[1] : "?", files);
	return errors ? 1 : 0;
}
