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
#include <time.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	unsigned long max_size = 100000, size;
	const char *name = "ckptbench";
	SaVersionT version = { 'B', 1, 1 };
	SaCkptHandleT h;
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaCkptSectionIdT sid = { 5, (SaUint8T *)"bench" };
	SaCkptSectionCreationAttributesT sa = { &sid, SA_TIME_END };
	SaCkptIOVectorElementT v;
	SaUint32T bad;
	SaAisErrorT rc;
	char *data;
	int opt;

	while ((opt = getopt(argc, argv, "t:m:n:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atof(optarg);
			break;
		case 'm':
			max_size = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			name = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-m MAX_SIZE] [-n NAME]\n", argv[0]);
			return 1;
		}
	}
	if (seconds <= 0 || max_size == 0) {
		fprintf(stderr, "%s: SECONDS and MAX_SIZE must be positive\n", argv[0]);
		return 1;
	}
	data = malloc(max_size);
	if (!data)
		return 1;
	memset(data, 'b', max_size);

	rc = saCkptInitialize(&h, NULL, &version);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saCkptInitialize: error %u\n", rc);
		return 1;
	}
	memset(&n, 0, sizeof(n));
	n.length = (SaUint16T)snprintf((char *)n.value, sizeof(n.value), "%s-%ld", name,
				       (long)getpid());
	memset(&a, 0, sizeof(a));
	a.creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a.checkpointSize = max_size;
	a.retentionDuration = 0;
	a.maxSections = 2;
	a.maxSectionSize = max_size;
	a.maxSectionIdSize = 16;
	rc = saCkptCheckpointOpen(h, &n, &a,
				  SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
				  SA_CKPT_CHECKPOINT_WRITE, 10 * SA_TIME_ONE_SECOND, &c);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saCkptCheckpointOpen: error %u\n", rc);
		return 1;
	}
	rc = saCkptSectionCreate(c, &sa, "", 0);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saCkptSectionCreate: error %u\n", rc);
		return 1;
	}
	printf("ckptbench: one process, one SA_CKPT_WR_ALL_REPLICAS checkpoint, writes at offset 0 "
	       "of one section, %.1f s per size\n", seconds);

	memset(&v, 0, sizeof(v));
	v.sectionId = sid;
	v.dataBuffer = data;
	for (size = 1; size <= max_size; size *= 10) {
		unsigned long writes = 0, retries = 0;
		double start = now_seconds(), elapsed;

		v.dataSize = size;
		do {
			rc = saCkptCheckpointWrite(c, &v, 1, &bad);
			if (rc == SA_AIS_OK) {
				writes++;
			} else if (rc == SA_AIS_ERR_TRY_AGAIN) {
				retries++;
			} else {
				fprintf(stderr, "saCkptCheckpointWrite(%lu bytes): error %u\n", size, rc);
				return 1;
			}
			elapsed = now_seconds() - start;
		} while (elapsed < seconds);
		printf("size %8lu: %10.0f writes/s %9.3f MB/s  (%lu writes in %.2f s, %lu retried)\n",
		       size, writes / elapsed, writes * (double)size / elapsed / 1e6, writes,
		       elapsed, retries);
		fflush(stdout);
		if (size > max_size / 10)
			break;
	}
	saCkptCheckpointClose(c);
	saCkptCheckpointUnlink(h, &n);
	saCkptFinalize(h);
	free(data);
	return 0;
}
