/* link: -lsaCkpt */
/*
 * ckptbench: checkpoint write throughput of one process.
 *
 *   ckptbench [-t SECONDS] [-m MAX_SIZE] [-n NAME]
 *
 * Creates a checkpoint with one section and, for write sizes 1, 10, 100
 * ... up to MAX_SIZE bytes (default 100000), writes that many bytes at
 * offset 0 over and over for SECONDS (default 2) per size, each write a
 * saCkptCheckpointWrite answered once every replica applied it.  Prints
 * the writes per second and MB/s of each size (figures, not a test: the
 * exit status only tells whether the calls worked).  SA_AIS_ERR_TRY_AGAIN
 * answers (the executive's queue was full) are retried and counted.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "ckptbench.h"
#include "sa_name.h"

int main(int argc, char **argv)
{
	struct ckpt_bench_options o = { 1, 2.0, 100000, "ckptbench" };
	unsigned long size;
	SaCkptHandleT h;
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaCkptSectionIdT sid = { 5, (SaUint8T *)"bench" };
	SaCkptIOVectorElementT v;
	char *data;

	if (ckpt_bench_parse_options(argc, argv, "t:m:n:", "[-t SECONDS] [-m MAX_SIZE] [-n NAME]",
				     &o) != 0)
		return 1;
	if (o.seconds <= 0 || o.max_size == 0) {
		fprintf(stderr, "%s: SECONDS and MAX_SIZE must be positive\n", argv[0]);
		return 1;
	}
	data = malloc(o.max_size);
	if (!data)
		return 1;
	memset(data, 'b', o.max_size);

	sa_name_printf(&n, "%s-%ld", o.name, (long)getpid());
	ckpt_bench_attributes(&a, 2, o.max_size, o.max_size);
	if (ckpt_bench_open("", &h, &n, &a, &sid, &c) != 0)
		return 1;
	printf("ckptbench: one process, one SA_CKPT_WR_ALL_REPLICAS checkpoint, writes at offset 0 "
	       "of one section, %.1f s per size\n", o.seconds);

	memset(&v, 0, sizeof(v));
	v.sectionId = sid;
	v.dataBuffer = data;
	for (size = 1; size <= o.max_size; size *= 10) {
		unsigned long writes, retries;
		double start = now_seconds();

		v.dataSize = size;
		if (ckpt_bench_write_for("", c, &v, o.seconds, &writes, &retries) != 0)
			return 1;
		ckpt_bench_print(size, writes, now_seconds() - start, retries, "");
		if (size > o.max_size / 10)
			break;
	}
	saCkptCheckpointClose(c);
	saCkptCheckpointUnlink(h, &n);
	saCkptFinalize(h);
	free(data);
	return 0;
}
