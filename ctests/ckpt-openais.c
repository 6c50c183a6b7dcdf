/* link: -lsaCkpt */
/*
 * ckpt-openais: the checkpoint programs of openais's test/ directory
 * (ckptbench, ckpt-wr, ckpt-rd), with openais's calling habits, to show
 * they run here unchanged: every open with a timeout of 0 (openais's
 * library ignored it), erroneousVectorIndex passed or not as openais's
 * programs did, SA_AIS_ERR_TRY_AGAIN retried in a loop.
 *
 *   ckpt-openais bench [-t SECONDS] [-n NAME]
 *       openais's ckptbench: one section, writes of 1000, 2000, ... bytes
 *       at offset 0 for SECONDS (default 2) each, until the write size
 *       passes the section's maximum size (100000 bytes): that write gets
 *       SA_AIS_ERR_INVALID_PARAM, the error B.01.01 gives a write beyond
 *       maxSectionSize, and ends the run. Prints writes per second.
 *   ckpt-openais wr [-c COUNT] [-n NAME]
 *       openais's ckpt-wr: COUNT (default 10) writes of "data #k" into
 *       section "section ID #1", 100 ms apart.
 *   ckpt-openais rd [-n NAME] [-w SECONDS]
 *       openais's ckpt-rd: opens for reading (waiting up to SECONDS,
 *       default 10, for the checkpoint to exist) and reads the section.
 *
 * Exit status 0 when every call returned what it should, 1 otherwise;
 * every result is printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "sa_name.h"
#include "timing.h"

#define MAX_SECTION 100000

static SaVersionT version = { 'B', 1, 1 };
static volatile sig_atomic_t alarm_notice;
static char section_name[] = "section ID #1";
static SaCkptSectionIdT section_id = { sizeof(section_name) - 1, (SaUint8T *)section_name };
static char data[MAX_SECTION + 1000];

static void on_alarm(int sig)
{
	(void)sig;
	alarm_notice = 1;
}

/* openais's programs retried TRY_AGAIN without a bound; this one waits 30 s at the most */
#define RETRY_AIS(rc, call) RETRY(rc, call, SA_AIS_ERR_TRY_AGAIN, 3000, 10)

static int report(const char *what, SaAisErrorT rc, SaAisErrorT want)
{
	printf("%s: %d%s\n", what, (int)rc, rc == want ? "" : " UNEXPECTED");
	return rc == want ? 0 : 1;
}

static int open_checkpoint(SaCkptHandleT *h, const SaNameT *name, SaCkptCheckpointHandleT *c, int create)
{
	SaCkptCheckpointCreationAttributesT attributes = {
		SA_CKPT_WR_ALL_REPLICAS, MAX_SECTION * 2, SA_TIME_ONE_SECOND * 600, 2, MAX_SECTION, 40
	};
	SaAisErrorT rc;

	RETRY_AIS(rc, saCkptInitialize(h, NULL, &version));
	if (report("saCkptInitialize", rc, SA_AIS_OK))
		return 1;
	/* timeout 0: openais's programs pass it, its library ignored it */
	if (create)
		RETRY_AIS(rc, saCkptCheckpointOpen(*h, name, &attributes,
						   SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
							   SA_CKPT_CHECKPOINT_WRITE,
						   0, c));
	else
		RETRY_AIS(rc, saCkptCheckpointOpen(*h, name, NULL, SA_CKPT_CHECKPOINT_READ, 0, c));
	return report("saCkptCheckpointOpen (timeout 0)", rc, SA_AIS_OK);
}

static int bench(const SaNameT *name, int seconds)
{
	SaCkptSectionCreationAttributesT section = { &section_id, SA_TIME_END };
	SaCkptIOVectorElementT element = { { 0, NULL }, data, 0, 0, 0 };
	SaCkptCheckpointHandleT c;
	SaCkptHandleT h;
	SaUint32T erroneous;
	SaAisErrorT rc;
	struct sigaction sa;
	int size;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (open_checkpoint(&h, name, &c, 1))
		return 1;
	RETRY_AIS(rc, saCkptSectionCreate(c, &section, "Initial Data #0", 15));
	if (rc != SA_AIS_ERR_EXIST && report("saCkptSectionCreate", rc, SA_AIS_OK))
		return 1;
	element.sectionId = section_id;
	for (size = 1000;; size += 1000) {
		unsigned long long writes = 0, try_again = 0;
		double t0 = now_seconds(), t1;

		element.dataSize = (SaSizeT)size;
		alarm_notice = 0;
		alarm((unsigned int)seconds);
		do {
			rc = saCkptCheckpointWrite(c, &element, 1, &erroneous);
			if (rc == SA_AIS_ERR_TRY_AGAIN)
				try_again++;
			else if (rc == SA_AIS_OK)
				writes++;
		} while (!alarm_notice && (rc == SA_AIS_OK || rc == SA_AIS_ERR_TRY_AGAIN));
		alarm(0);
		t1 = now_seconds();
		if (size > MAX_SECTION) {
			/* B.01.01: data beyond maxSectionSize is an invalid parameter */
			printf("%d bytes per write, past the section's %d: %d (erroneous element %u)\n", size,
			       MAX_SECTION, (int)rc, (unsigned)erroneous);
			if (report("saCkptCheckpointWrite past maxSectionSize", rc, SA_AIS_ERR_INVALID_PARAM))
				return 1;
			break;
		}
		if (report("saCkptCheckpointWrite", rc, SA_AIS_OK))
			return 1;
		printf("%7llu writes %6d bytes per write %7.3f seconds %9.3f TP/s %7.3f MB/s (%llu TRY_AGAIN)\n",
		       writes, size, t1 - t0, (double)writes / (t1 - t0),
		       (double)writes * size / (t1 - t0) / 1000000.0, try_again);
		if (size >= 10000 && size < MAX_SECTION)
			size = MAX_SECTION - 1000; /* then one past the end */
	}
	report("saCkptCheckpointClose", saCkptCheckpointClose(c), SA_AIS_OK);
	return report("saCkptFinalize", saCkptFinalize(h), SA_AIS_OK);
}

static int writer(const SaNameT *name, int count)
{
	SaCkptSectionCreationAttributesT section = { &section_id, SA_TIME_END };
	SaCkptIOVectorElementT element = { { 0, NULL }, data, 0, 0, 0 };
	SaCkptCheckpointHandleT c;
	SaCkptHandleT h;
	SaAisErrorT rc;
	int k, failed = 0;

	if (open_checkpoint(&h, name, &c, 1))
		return 1;
	RETRY_AIS(rc, saCkptSectionCreate(c, &section, "Initial Data #0", 15));
	if (rc != SA_AIS_ERR_EXIST)
		failed |= report("saCkptSectionCreate", rc, SA_AIS_OK);
	element.sectionId = section_id;
	for (k = 1; k <= count; k++) {
		element.dataSize = (SaSizeT)snprintf(data, sizeof(data), "data #%d", k);
		/* erroneousVectorIndex NULL, as openais's ckpt-wr passes it */
		RETRY_AIS(rc, saCkptCheckpointWrite(c, &element, 1, NULL));
		printf("wrote \"%s\"\n", data);
		failed |= report("saCkptCheckpointWrite", rc, SA_AIS_OK);
		sleep_ms(100);
	}
	failed |= report("saCkptCheckpointClose", saCkptCheckpointClose(c), SA_AIS_OK);
	failed |= report("saCkptFinalize", saCkptFinalize(h), SA_AIS_OK);
	return failed;
}

static int reader(const SaNameT *name, int wait_seconds)
{
	SaCkptIOVectorElementT element = { { 0, NULL }, data, MAX_SECTION, 0, 0 };
	SaCkptCheckpointHandleT c;
	SaCkptHandleT h;
	SaUint32T erroneous;
	SaAisErrorT rc;
	long long deadline = now_ms() + wait_seconds * 1000LL;
	int failed = 0;

	RETRY_AIS(rc, saCkptInitialize(&h, NULL, &version));
	if (report("saCkptInitialize", rc, SA_AIS_OK))
		return 1;
	do {
		rc = saCkptCheckpointOpen(h, name, NULL, SA_CKPT_CHECKPOINT_READ, 0, &c);
		if (rc == SA_AIS_ERR_NOT_EXIST || rc == SA_AIS_ERR_TRY_AGAIN)
			sleep_ms(100);
	} while ((rc == SA_AIS_ERR_NOT_EXIST || rc == SA_AIS_ERR_TRY_AGAIN) && now_ms() < deadline);
	if (report("saCkptCheckpointOpen (timeout 0)", rc, SA_AIS_OK))
		return 1;
	element.sectionId = section_id;
	RETRY_AIS(rc, saCkptCheckpointRead(c, &element, 1, &erroneous));
	failed |= report("saCkptCheckpointRead", rc, SA_AIS_OK);
	if (rc == SA_AIS_OK) {
		data[element.readSize < sizeof(data) ? element.readSize : sizeof(data) - 1] = '\0';
		printf("read \"%s\" (%llu bytes)\n", data, (unsigned long long)element.readSize);
	}
	failed |= report("saCkptCheckpointClose", saCkptCheckpointClose(c), SA_AIS_OK);
	failed |= report("saCkptFinalize", saCkptFinalize(h), SA_AIS_OK);
	return failed;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *name_text = "checkpoint";
	int seconds = 2, count = 10, wait_seconds = 10, opt;
	SaNameT name;

	optind = 2;
	while ((opt = getopt(argc, argv, "t:n:c:w:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		case 'n':
			name_text = optarg;
			break;
		case 'c':
			count = atoi(optarg);
			break;
		case 'w':
			wait_seconds = atoi(optarg);
			break;
		default:
			mode = "";
		}
	}
	if (sa_name_set(&name, name_text) != 0 || seconds < 1 || count < 1 || wait_seconds < 0)
		mode = "";
	if (strcmp(mode, "bench") == 0)
		return bench(&name, seconds);
	if (strcmp(mode, "wr") == 0)
		return writer(&name, count);
	if (strcmp(mode, "rd") == 0)
		return reader(&name, wait_seconds);
	fprintf(stderr, "usage: %s bench [-t SECONDS] [-n NAME] | wr [-c COUNT] [-n NAME] | rd [-n NAME] [-w SECONDS]\n",
		argv[0]);
	return 2;
}
