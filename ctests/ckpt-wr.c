/* link: -lsaCkpt */
/*
 * ckpt-wr: write a named checkpoint, for ckpt-rd to read on another node
 * (the failover story: the state a process checkpointed survives it and
 * its node).
 *
 *   ckpt-wr [-n NAME] [-s SECTION] [-c COUNT] [-i MS] [-r SECONDS] [TEXT]
 *
 * Opens the checkpoint NAME (default "ckpt-failover"), creating it when
 * missing with a retention duration of SECONDS (default 3600) so it
 * outlives this process, and the section SECTION (default "state").
 * Then COUNT times (default 1), every MS milliseconds (default 1000), it
 * overwrites the section with "TEXT #k by HOST pid PID" (TEXT default
 * "hello"), reads it back, and prints what it wrote.  Closes with
 * "N passed, M failed" over those steps; exit status 1 when one failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "sa_checks.h"
#include "sa_name.h"

int main(int argc, char **argv)
{
	const char *name = "ckpt-failover", *section = "state", *text = "hello";
	long count = 1, interval_ms = 1000, retention_s = 3600, k;
	char host[64] = "?", line[512];
	SaVersionT version = { 'B', 1, 1 };
	SaCkptHandleT h;
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaCkptSectionIdT sid;
	SaCkptSectionCreationAttributesT sa;
	SaAisErrorT rc;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:c:i:r:")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 's':
			section = optarg;
			break;
		case 'c':
			count = atol(optarg);
			break;
		case 'i':
			interval_ms = atol(optarg);
			break;
		case 'r':
			retention_s = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n NAME] [-s SECTION] [-c COUNT] [-i MS] "
				"[-r SECONDS] [TEXT]\n", argv[0]);
			return 1;
		}
	}
	if (optind < argc)
		text = argv[optind];
	gethostname(host, sizeof(host) - 1);

	RETRY(rc, saCkptInitialize(&h, NULL, &version), SA_AIS_ERR_TRY_AGAIN, 50, 100);
	if (!check_ok("saCkptInitialize", rc))
		return check_summary();
	sa_name_set(&n, name);
	memset(&a, 0, sizeof(a));
	a.creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a.checkpointSize = 16 * 4096;
	a.retentionDuration = (SaTimeT)retention_s * SA_TIME_ONE_SECOND;
	a.maxSections = 16;
	a.maxSectionSize = 4096;
	a.maxSectionIdSize = 64;
	rc = saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE,
				  10 * SA_TIME_ONE_SECOND, &c);
	if (rc == SA_AIS_ERR_NOT_EXIST)
		rc = saCkptCheckpointOpen(h, &n, &a,
					  SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
					  SA_CKPT_CHECKPOINT_WRITE, 10 * SA_TIME_ONE_SECOND, &c);
	if (!check_ok("saCkptCheckpointOpen", rc))
		return check_summary();
	sid.idLen = (SaUint16T)strlen(section);
	sid.id = (SaUint8T *)section;
	sa.sectionId = &sid;
	sa.expirationTime = SA_TIME_END;
	rc = saCkptSectionCreate(c, &sa, "", 0);
	if (!check_ok("saCkptSectionCreate", rc == SA_AIS_ERR_EXIST ? SA_AIS_OK : rc))
		return check_summary();
	for (k = 1; k <= count; k++) {
		SaCkptIOVectorElementT v;
		SaUint32T bad;
		char back[sizeof(line)];
		int len = snprintf(line, sizeof(line), "%s #%ld by %s pid %ld", text, k, host,
				   (long)getpid());

		if (len >= (int)sizeof(line))
			len = (int)sizeof(line) - 1;
		if (!check_ok("saCkptSectionOverwrite",
			      saCkptSectionOverwrite(c, &sid, line, (SaSizeT)len)))
			break;
		memset(&v, 0, sizeof(v));
		v.sectionId = sid;
		v.dataBuffer = back;
		v.dataSize = sizeof(back);
		rc = saCkptCheckpointRead(c, &v, 1, &bad);
		if (rc == SA_AIS_OK && (v.readSize != (SaSizeT)len || memcmp(back, line, (size_t)len)))
			rc = SA_AIS_ERR_FAILED_OPERATION;	/* read back something else */
		if (!check_ok("saCkptCheckpointRead (read back)", rc))
			break;
		printf("%s/%s: %s\n", name, section, line);
		fflush(stdout);
		if (k < count)
			sleep_ms(interval_ms);
	}
	check_ok("saCkptCheckpointClose", saCkptCheckpointClose(c));
	check_ok("saCkptFinalize", saCkptFinalize(h));
	return check_summary();
}
