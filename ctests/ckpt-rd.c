/* link: -lsaCkpt */
/*
 * ckpt-rd: read a named checkpoint and print every section, e.g. on
 * another node than the ckpt-wr that wrote it.
 *
 *   ckpt-rd [-n NAME] [-w SECONDS] [-e]
 *
 * Opens the checkpoint NAME (default "ckpt-failover") for reading,
 * waiting up to SECONDS (default 0) for it to exist, and prints its status
 * and each section: id, size, expiration and contents (bytes outside
 * printable ASCII as \xNN).  Closes with "N passed, M failed" over the
 * calls made.  A checkpoint that does not exist is a skip (nothing was
 * written yet), or a failure with -e or -w; exit status 1 when a step
 * failed.
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

static void print_bytes(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= 32 && p[i] < 127 && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

int main(int argc, char **argv)
{
	const char *name = "ckpt-failover";
	double wait = 0, end;
	int must_exist = 0;
	SaVersionT version = { 'B', 1, 1 };
	SaCkptHandleT h;
	SaNameT n;
	SaCkptCheckpointHandleT c;
	SaCkptCheckpointDescriptorT st;
	SaCkptSectionIterationHandleT it;
	SaCkptSectionDescriptorT d;
	SaAisErrorT rc;
	int opt;

	while ((opt = getopt(argc, argv, "n:w:e")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'w':
			wait = atof(optarg);
			must_exist = 1;
			break;
		case 'e':
			must_exist = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n NAME] [-w SECONDS] [-e]\n", argv[0]);
			return 1;
		}
	}
	end = now_seconds() + wait;
	for (;;) {
		rc = saCkptInitialize(&h, NULL, &version);
		if (rc != SA_AIS_ERR_TRY_AGAIN || now_seconds() >= end)
			break;
		sleep_ms(200);
	}
	if (!check_ok("saCkptInitialize", rc))
		return check_summary();
	sa_name_set(&n, name);
	for (;;) {
		rc = saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ,
					  10 * SA_TIME_ONE_SECOND, &c);
		if ((rc != SA_AIS_ERR_NOT_EXIST && rc != SA_AIS_ERR_TRY_AGAIN) ||
		    now_seconds() >= end)
			break;
		sleep_ms(200);
	}
	if (rc == SA_AIS_ERR_NOT_EXIST && !must_exist) {
		check_skip(1, "%s: no such checkpoint (nothing written yet)", name);
		check_ok("saCkptFinalize", saCkptFinalize(h));
		return check_summary();
	}
	if (!check_ok("saCkptCheckpointOpen", rc)) {
		saCkptFinalize(h);
		return check_summary();
	}
	rc = saCkptCheckpointStatusGet(c, &st);
	if (check_ok("saCkptCheckpointStatusGet", rc))
		printf("%s: %u section(s), %u bytes, retention %lld s\n", name, st.numberOfSections,
		       st.memoryUsed,
		       (long long)(st.checkpointCreationAttributes.retentionDuration /
				   SA_TIME_ONE_SECOND));
	rc = saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, &it);
	if (check_ok("saCkptSectionIterationInitialize", rc)) {
		while ((rc = saCkptSectionIterationNext(it, &d)) == SA_AIS_OK) {
			SaCkptIOVectorElementT v;
			SaUint32T bad;

			memset(&v, 0, sizeof(v));
			v.sectionId = d.sectionId;
			v.dataBuffer = NULL;	/* the library allocates it */
			printf("  section ");
			if (d.sectionId.idLen)
				print_bytes(d.sectionId.id, d.sectionId.idLen);
			else
				printf("(default)");
			printf(" (%llu bytes, %s): ", (unsigned long long)d.sectionSize,
			       d.expirationTime == SA_TIME_END ? "never expires" : "expires");
			rc = saCkptCheckpointRead(c, &v, 1, &bad);
			if (rc == SA_AIS_OK) {
				print_bytes(v.dataBuffer, (size_t)v.readSize);
				free(v.dataBuffer);
			}
			printf("\n");
			check_ok("saCkptCheckpointRead", rc);
		}
		check_ok("saCkptSectionIterationNext (to the end)",
			 rc == SA_AIS_ERR_NO_SECTIONS ? SA_AIS_OK : rc);
		check_ok("saCkptSectionIterationFinalize",
			 saCkptSectionIterationFinalize(it));
	}
	check_ok("saCkptCheckpointClose", saCkptCheckpointClose(c));
	check_ok("saCkptFinalize", saCkptFinalize(h));
	return check_summary();
}
