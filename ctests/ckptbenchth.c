/* link: -lsaCkpt -lpthread */
/*
 * ckptbenchth: checkpoint write throughput of several threads at once.
 *
 *   ckptbenchth [-p THREADS] [-t SECONDS] [-m MAX_SIZE] [-n NAME]
 *
 * THREADS threads (default 4), each with its own library handle and its
 * own opening of one shared checkpoint, write to a section of their own.
 * For write sizes 1, 10, 100 ... up to MAX_SIZE bytes (default 100000) all
 * threads write for SECONDS (default 2) per size; the totals of every
 * thread are printed as writes per second and MB/s (figures, not a test:
 * the exit status only tells whether the calls worked).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "ckptbench.h"
#include "sa_name.h"

struct worker {
	pthread_t thread;
	char who[32];		/* "thread N: ", ahead of its errors */
	SaCkptHandleT handle;
	SaCkptCheckpointHandleT ckpt;
	char section[16];
	unsigned long writes;
	unsigned long retries;
	int failed;
};

static char *data;
static unsigned long write_size;
static double seconds;

static void *write_loop(void *arg)
{
	struct worker *w = arg;
	SaCkptIOVectorElementT v;

	memset(&v, 0, sizeof(v));
	v.sectionId.idLen = (SaUint16T)strlen(w->section);
	v.sectionId.id = (SaUint8T *)w->section;
	v.dataBuffer = data;
	v.dataSize = write_size;
	if (ckpt_bench_write_for(w->who, w->ckpt, &v, seconds, &w->writes, &w->retries) != 0)
		w->failed = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct ckpt_bench_options o = { 4, 2.0, 100000, "ckptbenchth" };
	int i, failed = 0;
	SaNameT ckpt_name;
	SaCkptCheckpointCreationAttributesT a;
	struct worker *workers;
	char by[32];

	if (ckpt_bench_parse_options(argc, argv, "p:t:m:n:",
				     "[-p THREADS] [-t SECONDS] [-m MAX_SIZE] [-n NAME]", &o) != 0)
		return 1;
	if (o.threads < 1 || o.threads > 256 || o.seconds <= 0 || o.max_size == 0) {
		fprintf(stderr, "%s: THREADS 1..256, SECONDS and MAX_SIZE positive\n", argv[0]);
		return 1;
	}
	seconds = o.seconds;
	data = malloc(o.max_size);
	workers = calloc((size_t)o.threads, sizeof(*workers));
	if (!data || !workers)
		return 1;
	memset(data, 't', o.max_size);
	sa_name_printf(&ckpt_name, "%s-%ld", o.name, (long)getpid());
	ckpt_bench_attributes(&a, (SaUint32T)o.threads, (SaSizeT)o.threads * o.max_size, o.max_size);
	/* each thread its own library handle, opening and section */
	for (i = 0; i < o.threads; i++) {
		struct worker *w = &workers[i];
		SaCkptSectionIdT sid;

		snprintf(w->who, sizeof(w->who), "thread %d: ", i);
		snprintf(w->section, sizeof(w->section), "thread%d", i);
		sid.idLen = (SaUint16T)strlen(w->section);
		sid.id = (SaUint8T *)w->section;
		if (ckpt_bench_open(w->who, &w->handle, &ckpt_name, &a, &sid, &w->ckpt) != 0)
			return 1;
	}
	printf("ckptbenchth: %d threads, each with its own library handle and section of one "
	       "SA_CKPT_WR_ALL_REPLICAS checkpoint, %.1f s per size\n", o.threads, o.seconds);

	snprintf(by, sizeof(by), " by %d threads", o.threads);
	for (write_size = 1; write_size <= o.max_size && !failed; write_size *= 10) {
		unsigned long writes = 0, retries = 0;
		double start = now_seconds();

		for (i = 0; i < o.threads; i++)
			pthread_create(&workers[i].thread, NULL, write_loop, &workers[i]);
		for (i = 0; i < o.threads; i++) {
			pthread_join(workers[i].thread, NULL);
			writes += workers[i].writes;
			retries += workers[i].retries;
			failed |= workers[i].failed;
		}
		ckpt_bench_print(write_size, writes, now_seconds() - start, retries, by);
		if (write_size > o.max_size / 10)
			break;
	}
	for (i = 0; i < o.threads; i++) {
		saCkptCheckpointClose(workers[i].ckpt);
		if (i == 0)
			saCkptCheckpointUnlink(workers[i].handle, &ckpt_name);
		saCkptFinalize(workers[i].handle);
	}
	free(workers);
	free(data);
	return failed;
}
