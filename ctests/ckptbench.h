/*
 * ckptbench.h: what the checkpoint write benchmarks ckptbench (one
 * process) and ckptbenchth (several threads) share: their options, the
 * checkpoint and section they write, the write loop of one size and the
 * figures they print.
 *
 * Errors are printed with a prefix saying who met them ("" or
 * "thread N: "), to standard error.  The including file defines
 * _POSIX_C_SOURCE (200809L) before any system header.
 */
#ifndef CTESTS_CKPTBENCH_H
#define CTESTS_CKPTBENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "timing.h"

struct ckpt_bench_options {
	int threads;		/* -p, when the benchmark has it */
	double seconds;		/* -t: per write size */
	unsigned long max_size;	/* -m: write sizes 1, 10, 100 ... up to this */
	const char *name;	/* -n: the checkpoint's name, before "-PID" */
};

/*
 * Reads -t SECONDS -m MAX_SIZE -n NAME, and -p THREADS when OPTSTRING
 * has it, into O (which holds the defaults).  Returns 0, or 1 once the
 * usage ("usage: PROGRAM SYNOPSIS") is printed.
 */
static inline int ckpt_bench_parse_options(int argc, char **argv, const char *optstring,
					   const char *synopsis, struct ckpt_bench_options *o)
{
	int opt;

	while ((opt = getopt(argc, argv, optstring)) != -1) {
		switch (opt) {
		case 'p':
			o->threads = atoi(optarg);
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'm':
			o->max_size = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o->name = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s %s\n", argv[0], synopsis);
			return 1;
		}
	}
	return 0;
}

/*
 * The attributes of the benchmark's checkpoint: written on every
 * replica, SECTIONS sections of up to SECTION_SIZE bytes, SIZE bytes in
 * all, gone as soon as it is closed.
 */
static inline void ckpt_bench_attributes(SaCkptCheckpointCreationAttributesT *a,
					 SaUint32T sections, SaSizeT size, SaSizeT section_size)
{
	memset(a, 0, sizeof(*a));
	a->creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a->checkpointSize = size;
	a->retentionDuration = 0;
	a->maxSections = sections;
	a->maxSectionSize = section_size;
	a->maxSectionIdSize = 16;
}

/*
 * Initializes a library handle H, opens (creating it when need be) the
 * checkpoint NAME with the attributes A into C, and creates the empty
 * section SID in it.  Returns 0, or -1 once the failing call is printed.
 */
static inline int ckpt_bench_open(const char *who, SaCkptHandleT *h, const SaNameT *name,
				  const SaCkptCheckpointCreationAttributesT *a,
				  SaCkptSectionIdT *sid, SaCkptCheckpointHandleT *c)
{
	SaVersionT version = { 'B', 1, 1 };
	SaCkptSectionCreationAttributesT sa = { sid, SA_TIME_END };
	SaAisErrorT rc;

	rc = saCkptInitialize(h, NULL, &version);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "%ssaCkptInitialize: error %u\n", who, rc);
		return -1;
	}
	rc = saCkptCheckpointOpen(*h, name, a,
				  SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
				  SA_CKPT_CHECKPOINT_WRITE, 10 * SA_TIME_ONE_SECOND, c);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "%ssaCkptCheckpointOpen: error %u\n", who, rc);
		return -1;
	}
	rc = saCkptSectionCreate(*c, &sa, "", 0);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "%ssaCkptSectionCreate: error %u\n", who, rc);
		return -1;
	}
	return 0;
}

/*
 * Writes V (one section, from offset 0) again and again for SECONDS, at
 * least once, each write answered once every replica applied it;
 * counts the writes and the SA_AIS_ERR_TRY_AGAIN answers (the
 * executive's queue was full), which are retried.  Returns 0, or -1
 * once the failing write is printed.
 */
static inline int ckpt_bench_write_for(const char *who, SaCkptCheckpointHandleT c,
				       const SaCkptIOVectorElementT *v, double seconds,
				       unsigned long *writes, unsigned long *retries)
{
	double end = now_seconds() + seconds;
	SaUint32T bad;

	*writes = 0;
	*retries = 0;
	do {
		SaAisErrorT rc = saCkptCheckpointWrite(c, v, 1, &bad);

		if (rc == SA_AIS_OK) {
			(*writes)++;
		} else if (rc == SA_AIS_ERR_TRY_AGAIN) {
			(*retries)++;
		} else {
			fprintf(stderr, "%ssaCkptCheckpointWrite(%lu bytes): error %u\n", who,
				(unsigned long)v->dataSize, rc);
			return -1;
		}
	} while (now_seconds() < end);
	return 0;
}

/* the figures of one write size; BY says who wrote ("" or " by N threads") */
static inline void ckpt_bench_print(unsigned long size, unsigned long writes, double elapsed,
				    unsigned long retries, const char *by)
{
	printf("size %8lu: %10.0f writes/s %9.3f MB/s  (%lu writes%s in %.2f s, %lu retried)\n",
	       size, writes / elapsed, writes * (double)size / elapsed / 1e6, writes, by, elapsed,
	       retries);
	fflush(stdout);
}

#endif /* CTESTS_CKPTBENCH_H */
