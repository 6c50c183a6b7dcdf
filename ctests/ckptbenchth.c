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
#include <time.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

struct worker {
	pthread_t thread;
	int index;
	SaCkptHandleT handle;
	SaCkptCheckpointHandleT ckpt;
	char section[16];
	unsigned long writes;
	unsigned long retries;
	int failed;
};

static SaNameT ckpt_name;
static char *data;
static unsigned long write_size;
static double seconds = 2.0;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *write_loop(void *arg)
{
	struct worker *w = arg;
	SaCkptIOVectorElementT v;
	SaUint32T bad;
	double end = now_seconds() + seconds;

	memset(&v, 0, sizeof(v));
	v.sectionId.idLen = (SaUint16T)strlen(w->section);
	v.sectionId.id = (SaUint8T *)w->section;
	v.dataBuffer = data;
	v.dataSize = write_size;
	w->writes = 0;
	w->retries = 0;
	while (now_seconds() < end) {
		SaAisErrorT rc = saCkptCheckpointWrite(w->ckpt, &v, 1, &bad);

		if (rc == SA_AIS_OK) {
			w->writes++;
		} else if (rc == SA_AIS_ERR_TRY_AGAIN) {
			w->retries++;
		} else {
			fprintf(stderr, "thread %d: saCkptCheckpointWrite(%lu bytes): error %u\n",
				w->index, write_size, rc);
			w->failed = 1;
			break;
		}
	}
	return NULL;
}

/* each thread's own handle, opening and section */
static int set_up(struct worker *w, const SaCkptCheckpointCreationAttributesT *a)
{
	SaVersionT version = { 'B', 1, 1 };
	SaCkptSectionIdT sid;
	SaCkptSectionCreationAttributesT sa;
	SaAisErrorT rc;

	rc = saCkptInitialize(&w->handle, NULL, &version);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "thread %d: saCkptInitialize: error %u\n", w->index, rc);
		return -1;
	}
	rc = saCkptCheckpointOpen(w->handle, &ckpt_name, a,
				  SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
				  SA_CKPT_CHECKPOINT_WRITE, 10 * SA_TIME_ONE_SECOND, &w->ckpt);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "thread %d: saCkptCheckpointOpen: error %u\n", w->index, rc);
		return -1;
	}
	snprintf(w->section, sizeof(w->section), "thread%d", w->index);
	sid.idLen = (SaUint16T)strlen(w->section);
	sid.id = (SaUint8T *)w->section;
	sa.sectionId = &sid;
	sa.expirationTime = SA_TIME_END;
	rc = saCkptSectionCreate(w->ckpt, &sa, "", 0);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "thread %d: saCkptSectionCreate: error %u\n", w->index, rc);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int threads = 4, i, opt, failed = 0;
	unsigned long max_size = 100000;
	const char *name = "ckptbenchth";
	SaCkptCheckpointCreationAttributesT a;
	struct worker *workers;

	while ((opt = getopt(argc, argv, "p:t:m:n:")) != -1) {
		switch (opt) {
		case 'p':
			threads = atoi(optarg);
			break;
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
			fprintf(stderr, "usage: %s [-p THREADS] [-t SECONDS] [-m MAX_SIZE] [-n NAME]\n",
				argv[0]);
			return 1;
		}
	}
	if (threads < 1 || threads > 256 || seconds <= 0 || max_size == 0) {
		fprintf(stderr, "%s: THREADS 1..256, SECONDS and MAX_SIZE positive\n", argv[0]);
		return 1;
	}
	data = malloc(max_size);
	workers = calloc((size_t)threads, sizeof(*workers));
	if (!data || !workers)
		return 1;
	memset(data, 't', max_size);
	memset(&ckpt_name, 0, sizeof(ckpt_name));
	ckpt_name.length = (SaUint16T)snprintf((char *)ckpt_name.value, sizeof(ckpt_name.value),
					       "%s-%ld", name, (long)getpid());
	memset(&a, 0, sizeof(a));
	a.creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a.checkpointSize = (SaSizeT)threads * max_size;
	a.retentionDuration = 0;
	a.maxSections = (SaUint32T)threads;
	a.maxSectionSize = max_size;
	a.maxSectionIdSize = 16;
	for (i = 0; i < threads; i++) {
		workers[i].index = i;
		if (set_up(&workers[i], &a) != 0)
			return 1;
	}
	printf("ckptbenchth: %d threads, each with its own library handle and section of one "
	       "SA_CKPT_WR_ALL_REPLICAS checkpoint, %.1f s per size\n", threads, seconds);

	for (write_size = 1; write_size <= max_size && !failed; write_size *= 10) {
		unsigned long writes = 0, retries = 0;
		double start = now_seconds(), elapsed;

		for (i = 0; i < threads; i++)
			pthread_create(&workers[i].thread, NULL, write_loop, &workers[i]);
		for (i = 0; i < threads; i++) {
			pthread_join(workers[i].thread, NULL);
			writes += workers[i].writes;
			retries += workers[i].retries;
			failed |= workers[i].failed;
		}
		elapsed = now_seconds() - start;
		printf("size %8lu: %10.0f writes/s %9.3f MB/s  (%lu writes by %d threads in %.2f s, "
		       "%lu retried)\n", write_size, writes / elapsed,
		       writes * (double)write_size / elapsed / 1e6, writes, threads, elapsed, retries);
		fflush(stdout);
		if (write_size > max_size / 10)
			break;
	}
	for (i = 0; i < threads; i++) {
		saCkptCheckpointClose(workers[i].ckpt);
		if (i == 0)
			saCkptCheckpointUnlink(workers[i].handle, &ckpt_name);
		saCkptFinalize(workers[i].handle);
	}
	free(workers);
	free(data);
	return failed;
}
