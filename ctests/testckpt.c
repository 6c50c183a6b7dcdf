/* link: -lsaCkpt */
/*
 * testckpt: walk through the checkpoint API and print what every call
 * returns.
 *
 *   testckpt [-n NAME]
 *
 * Creates the checkpoint NAME (default "testckpt"), creates sections (one
 * with a generated id), writes and reads them with I/O vectors, overwrites
 * one, reads into a library-allocated buffer, iterates the sections with
 * several filters, opens the checkpoint again asynchronously, sets the
 * active replica of and synchronizes a second, collocated checkpoint,
 * changes the retention duration, then closes and unlinks everything.
 * Exit status 0 when every call returned what it should, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "sa_name.h"

static int errors;

static const char *ais_error(SaAisErrorT e)
{
	static const char *names[] = {
		"?", "SA_AIS_OK", "SA_AIS_ERR_LIBRARY", "SA_AIS_ERR_VERSION", "SA_AIS_ERR_INIT",
		"SA_AIS_ERR_TIMEOUT", "SA_AIS_ERR_TRY_AGAIN", "SA_AIS_ERR_INVALID_PARAM",
		"SA_AIS_ERR_NO_MEMORY", "SA_AIS_ERR_BAD_HANDLE", "SA_AIS_ERR_BUSY",
		"SA_AIS_ERR_ACCESS", "SA_AIS_ERR_NOT_EXIST", "SA_AIS_ERR_NAME_TOO_LONG",
		"SA_AIS_ERR_EXIST", "SA_AIS_ERR_NO_SPACE", "SA_AIS_ERR_INTERRUPT",
		"SA_AIS_ERR_NAME_NOT_FOUND", "SA_AIS_ERR_NO_RESOURCES", "SA_AIS_ERR_NOT_SUPPORTED",
		"SA_AIS_ERR_BAD_OPERATION", "SA_AIS_ERR_FAILED_OPERATION",
		"SA_AIS_ERR_MESSAGE_ERROR", "SA_AIS_ERR_QUEUE_FULL",
		"SA_AIS_ERR_QUEUE_NOT_AVAILABLE", "SA_AIS_ERR_BAD_FLAGS", "SA_AIS_ERR_TOO_BIG",
		"SA_AIS_ERR_NO_SECTIONS", "?", "SA_AIS_ERR_SECURITY",
	};

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* prints a call's result; counts it as an error unless it is `want` */
static SaAisErrorT report(const char *what, SaAisErrorT got, SaAisErrorT want)
{
	printf("%-52s %s%s\n", what, ais_error(got), got == want ? "" : "   <-- unexpected");
	if (got != want)
		errors++;
	return got;
}

static void print_data(const char *label, const void *data, SaSizeT size)
{
	const unsigned char *p = data;
	SaSizeT i;

	printf("    %s (%llu bytes): \"", label, (unsigned long long)size);
	for (i = 0; i < size; i++)
		putchar(p[i] >= 32 && p[i] < 127 ? p[i] : '.');
	printf("\"\n");
}

static void print_id(const SaCkptSectionIdT *id)
{
	SaUint16T i;

	if (id->idLen == 0) {
		printf("(default)");
		return;
	}
	for (i = 0; i < id->idLen; i++)
		putchar(id->id[i] >= 32 && id->id[i] < 127 ? id->id[i] : '.');
}

static void print_status(SaCkptCheckpointHandleT c)
{
	SaCkptCheckpointDescriptorT st;

	if (report("saCkptCheckpointStatusGet", saCkptCheckpointStatusGet(c, &st), SA_AIS_OK) !=
	    SA_AIS_OK)
		return;
	printf("    flags %u, size %llu, retention %lld ns, sections %u of %u (max %llu bytes, "
	       "id %llu bytes), memory used %u\n",
	       st.checkpointCreationAttributes.creationFlags,
	       (unsigned long long)st.checkpointCreationAttributes.checkpointSize,
	       (long long)st.checkpointCreationAttributes.retentionDuration,
	       st.numberOfSections, st.checkpointCreationAttributes.maxSections,
	       (unsigned long long)st.checkpointCreationAttributes.maxSectionSize,
	       (unsigned long long)st.checkpointCreationAttributes.maxSectionIdSize, st.memoryUsed);
}

static void iterate(SaCkptCheckpointHandleT c, SaCkptSectionsChosenT chosen, SaTimeT when,
		    const char *label)
{
	SaCkptSectionIterationHandleT it;
	SaCkptSectionDescriptorT d;
	SaAisErrorT rc;
	char what[96];

	snprintf(what, sizeof(what), "saCkptSectionIterationInitialize(%s)", label);
	if (report(what, saCkptSectionIterationInitialize(c, chosen, when, &it), SA_AIS_OK) !=
	    SA_AIS_OK)
		return;
	while ((rc = saCkptSectionIterationNext(it, &d)) == SA_AIS_OK) {
		printf("    section ");
		print_id(&d.sectionId);
		printf(": %llu bytes, %s, expires %s\n", (unsigned long long)d.sectionSize,
		       d.sectionState == SA_CKPT_SECTION_VALID ? "valid" : "corrupted",
		       d.expirationTime == SA_TIME_END ? "never" : "at a set time");
	}
	report("saCkptSectionIterationNext (end)", rc, SA_AIS_ERR_NO_SECTIONS);
	report("saCkptSectionIterationFinalize", saCkptSectionIterationFinalize(it), SA_AIS_OK);
}

static int open_done, sync_done;
static SaCkptCheckpointHandleT async_handle;

static void open_callback(SaInvocationT invocation, SaCkptCheckpointHandleT handle,
			  SaAisErrorT error)
{
	printf("    open callback: invocation %llu, %s\n", (unsigned long long)invocation,
	       ais_error(error));
	async_handle = handle;
	open_done = 1;
}

static void sync_callback(SaInvocationT invocation, SaAisErrorT error)
{
	printf("    synchronize callback: invocation %llu, %s\n", (unsigned long long)invocation,
	       ais_error(error));
	sync_done = 1;
}

/* waits on the selection object and dispatches until *done (5 s at most) */
static void dispatch_until(SaCkptHandleT h, int *done)
{
	SaSelectionObjectT so;
	int tries;

	if (report("saCkptSelectionObjectGet", saCkptSelectionObjectGet(h, &so), SA_AIS_OK) !=
	    SA_AIS_OK)
		return;
	for (tries = 0; tries < 50 && !*done; tries++) {
		fd_set rfds;
		struct timeval tv = { 0, 100000 };

		FD_ZERO(&rfds);
		FD_SET((int)so, &rfds);
		if (select((int)so + 1, &rfds, NULL, NULL, &tv) < 0 && errno != EINTR)
			break;
		if (FD_ISSET((int)so, &rfds))
			report("saCkptDispatch(SA_DISPATCH_ALL)", saCkptDispatch(h, SA_DISPATCH_ALL),
			       SA_AIS_OK);
	}
	if (!*done) {
		printf("    no callback within 5 s   <-- unexpected\n");
		errors++;
	}
}

static SaTimeT now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (SaTimeT)ts.tv_sec * SA_TIME_ONE_SECOND + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *name = "testckpt";
	SaCkptCallbacksT callbacks = { open_callback, sync_callback };
	SaVersionT version = { 'B', 1, 1 };
	SaCkptHandleT h;
	SaNameT n, n2;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c, c2;
	SaCkptSectionIdT alpha = { 5, (SaUint8T *)"alpha" }, generated = { 0, NULL };
	SaCkptSectionCreationAttributesT sa;
	SaCkptIOVectorElementT v[2];
	SaUint32T bad = 0;
	char b1[64], b2[64];
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n') {
			name = optarg;
		} else {
			fprintf(stderr, "usage: %s [-n NAME]\n", argv[0]);
			return 1;
		}
	}
	sa_name_set(&n, name);
	sa_name_printf(&n2, "%s-collocated", name);

	if (report("saCkptInitialize", saCkptInitialize(&h, &callbacks, &version), SA_AIS_OK) !=
	    SA_AIS_OK)
		return 1;
	printf("    version %c.%02d.%02d\n", version.releaseCode, version.majorVersion,
	       version.minorVersion);

	memset(&a, 0, sizeof(a));
	a.creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a.checkpointSize = 4000;
	a.retentionDuration = 5 * SA_TIME_ONE_SECOND;
	a.maxSections = 4;
	a.maxSectionSize = 1000;
	a.maxSectionIdSize = 16;
	if (report("saCkptCheckpointOpen(CREATE|READ|WRITE)",
		   saCkptCheckpointOpen(h, &n, &a,
					SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
					SA_CKPT_CHECKPOINT_WRITE, 5 * SA_TIME_ONE_SECOND, &c),
		   SA_AIS_OK) != SA_AIS_OK)
		return 1;
	print_status(c);

	sa.sectionId = &alpha;
	sa.expirationTime = SA_TIME_END;
	report("saCkptSectionCreate(alpha)", saCkptSectionCreate(c, &sa, "first", 5), SA_AIS_OK);
	sa.sectionId = &generated;
	if (report("saCkptSectionCreate(generated id)", saCkptSectionCreate(c, &sa, "", 0),
		   SA_AIS_OK) == SA_AIS_OK) {
		printf("    generated id: ");
		print_id(&generated);
		printf("\n");
	}

	memset(v, 0, sizeof(v));
	v[0].sectionId = alpha;
	v[0].dataBuffer = "ALPHA";
	v[0].dataSize = 5;
	v[1].sectionId = generated;
	v[1].dataBuffer = "written at offset 3";
	v[1].dataSize = 19;
	v[1].dataOffset = 3;
	report("saCkptCheckpointWrite(2 elements)", saCkptCheckpointWrite(c, v, 2, &bad), SA_AIS_OK);

	memset(v, 0, sizeof(v));
	v[0].sectionId = alpha;
	v[0].dataBuffer = b1;
	v[0].dataSize = sizeof(b1);
	v[1].sectionId = generated;
	v[1].dataBuffer = b2;
	v[1].dataSize = sizeof(b2);
	if (report("saCkptCheckpointRead(2 elements)", saCkptCheckpointRead(c, v, 2, &bad),
		   SA_AIS_OK) == SA_AIS_OK) {
		print_data("alpha", b1, v[0].readSize);
		print_data("generated", b2, v[1].readSize);
	}

	report("saCkptSectionOverwrite(alpha)",
	       saCkptSectionOverwrite(c, &alpha, "replaced whole", 14), SA_AIS_OK);
	memset(v, 0, sizeof(v));
	v[0].sectionId = alpha;
	v[0].dataBuffer = NULL;
	if (report("saCkptCheckpointRead(library buffer)", saCkptCheckpointRead(c, v, 1, &bad),
		   SA_AIS_OK) == SA_AIS_OK) {
		print_data("alpha", v[0].dataBuffer, v[0].readSize);
		free(v[0].dataBuffer);
	}

	report("saCkptSectionExpirationTimeSet(alpha, +1 h)",
	       saCkptSectionExpirationTimeSet(c, &alpha, now_ns() + SA_TIME_ONE_HOUR), SA_AIS_OK);
	iterate(c, SA_CKPT_SECTIONS_ANY, 0, "ANY");
	iterate(c, SA_CKPT_SECTIONS_FOREVER, 0, "FOREVER");
	iterate(c, SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME, now_ns() + 2 * SA_TIME_ONE_HOUR,
		"LEQ now + 2 h");
	iterate(c, SA_CKPT_SECTIONS_CORRUPTED, 0, "CORRUPTED");
	print_status(c);

	report("saCkptCheckpointOpenAsync(READ)",
	       saCkptCheckpointOpenAsync(h, 42, &n, NULL, SA_CKPT_CHECKPOINT_READ), SA_AIS_OK);
	dispatch_until(h, &open_done);
	if (open_done && async_handle) {
		memset(v, 0, sizeof(v));
		v[0].sectionId = alpha;
		v[0].dataBuffer = "x";
		v[0].dataSize = 1;
		report("saCkptCheckpointWrite(read-only opening)",
		       saCkptCheckpointWrite(async_handle, v, 1, &bad), SA_AIS_ERR_ACCESS);
		report("saCkptCheckpointClose(async opening)", saCkptCheckpointClose(async_handle),
		       SA_AIS_OK);
	}

	a.creationFlags = SA_CKPT_WR_ACTIVE_REPLICA | SA_CKPT_CHECKPOINT_COLLOCATED;
	a.maxSections = 1;
	a.checkpointSize = 1000;
	if (report("saCkptCheckpointOpen(collocated)",
		   saCkptCheckpointOpen(h, &n2, &a,
					SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
					SA_CKPT_CHECKPOINT_WRITE, 5 * SA_TIME_ONE_SECOND, &c2),
		   SA_AIS_OK) == SA_AIS_OK) {
		SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;

		report("saCkptActiveReplicaSet", saCkptActiveReplicaSet(c2), SA_AIS_OK);
		report("saCkptSectionOverwrite(default section)",
		       saCkptSectionOverwrite(c2, &def, "default", 7), SA_AIS_OK);
		report("saCkptCheckpointSynchronize",
		       saCkptCheckpointSynchronize(c2, 5 * SA_TIME_ONE_SECOND), SA_AIS_OK);
		report("saCkptCheckpointSynchronizeAsync", saCkptCheckpointSynchronizeAsync(c2, 43),
		       SA_AIS_OK);
		dispatch_until(h, &sync_done);
		report("saCkptCheckpointClose(collocated)", saCkptCheckpointClose(c2), SA_AIS_OK);
		report("saCkptCheckpointUnlink(collocated)", saCkptCheckpointUnlink(h, &n2),
		       SA_AIS_OK);
	}

	report("saCkptCheckpointRetentionDurationSet(1 s)",
	       saCkptCheckpointRetentionDurationSet(c, SA_TIME_ONE_SECOND), SA_AIS_OK);
	print_status(c);
	report("saCkptSectionDelete(generated)", saCkptSectionDelete(c, &generated), SA_AIS_OK);
	free(generated.id);
	report("saCkptCheckpointClose", saCkptCheckpointClose(c), SA_AIS_OK);
	report("saCkptCheckpointUnlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
	report("saCkptFinalize", saCkptFinalize(h), SA_AIS_OK);
	printf("%s: %d unexpected result(s)\n", argv[0], errors);
	return errors ? 1 : 0;
}
