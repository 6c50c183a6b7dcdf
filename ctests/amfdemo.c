/* link: -lSaAmf -lSaCkpt */
/*
 * amfdemo: a small SA-aware AMF component.
 *
 * Started by its CLC-CLI script (amfdemo-clc) with SA_AMF_COMPONENT_NAME
 * set, it registers with AMF and waits for CSIs. While ACTIVE it counts,
 * ten times a second, and writes the counter to the checkpoint
 * "amfdemo-counter"; a standby that becomes ACTIVE reads the counter
 * back and goes on from there, so the count survives a switchover.
 *
 * Every line it prints starts with the wall-clock time in milliseconds:
 *   <ms> <component> ACTIVE resume <n>      (a CSI set to ACTIVE)
 *   <ms> <component> STANDBY
 *   <ms> <component> QUIESCED at <n>
 *   <ms> <component> count <n>              (once a second)
 *   <ms> <component> terminate
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openais/saAis.h>
#include <openais/saAmf.h>
#include <openais/saCkpt.h>

static SaAmfHandleT amf;
static SaCkptHandleT ckpt;
static SaCkptCheckpointHandleT counter_ckpt;
static int have_ckpt;
static SaNameT comp_name;
static SaAmfHAStateT ha;
static int active;
static unsigned long long counter;
static int done;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *what, unsigned long long n, int with_n)
{
	if (with_n)
		printf("%lld %.*s %s %llu\n", now_ms(), comp_name.length,
		       (const char *)comp_name.value, what, n);
	else
		printf("%lld %.*s %s\n", now_ms(), comp_name.length,
		       (const char *)comp_name.value, what);
	fflush(stdout);
}

static SaAisErrorT retry(SaAisErrorT (*op)(void *), void *arg)
{
	SaAisErrorT rc;
	int tries = 0;

	while ((rc = op(arg)) == SA_AIS_ERR_TRY_AGAIN && tries++ < 100) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return rc;
}

static SaAisErrorT open_counter(void *unused)
{
	SaNameT name;
	SaCkptCheckpointCreationAttributesT attrs = {
		.creationFlags = SA_CKPT_WR_ALL_REPLICAS,
		.checkpointSize = sizeof(counter),
		.retentionDuration = SA_TIME_MAX,
		.maxSections = 1,
		.maxSectionSize = sizeof(counter),
		.maxSectionIdSize = 1,
	};
	(void)unused;
	name.length = (SaUint16T)strlen("amfdemo-counter");
	memcpy(name.value, "amfdemo-counter", name.length);
	return saCkptCheckpointOpen(ckpt, &name, &attrs,
				    SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
				    SA_CKPT_CHECKPOINT_WRITE,
				    5 * SA_TIME_ONE_SECOND, &counter_ckpt);
}

/* The counter as the checkpoint holds it (0 when never written). */
static unsigned long long read_counter(void)
{
	unsigned long long value = 0;
	SaCkptIOVectorElementT iov = {
		.sectionId = SA_CKPT_DEFAULT_SECTION_ID,
		.dataBuffer = &value,
		.dataSize = sizeof(value),
	};
	SaUint32T bad;

	if (!have_ckpt || saCkptCheckpointRead(counter_ckpt, &iov, 1, &bad) != SA_AIS_OK)
		return 0;
	return iov.readSize == sizeof(value) ? value : 0;
}

static void write_counter(void)
{
	if (have_ckpt)
		saCkptSectionOverwrite(counter_ckpt, &(SaCkptSectionIdT)SA_CKPT_DEFAULT_SECTION_ID,
				       &counter, sizeof(counter));
}

static void csi_set(SaInvocationT inv, const SaNameT *comp, SaAmfHAStateT state,
		    SaAmfCSIDescriptorT *csi)
{
	(void)comp;
	(void)csi;
	ha = state;
	switch (state) {
	case SA_AMF_HA_ACTIVE:
		counter = read_counter();
		active = 1;
		say("ACTIVE resume", counter, 1);
		break;
	case SA_AMF_HA_STANDBY:
		active = 0;
		say("STANDBY", 0, 0);
		break;
	default:
		if (active)
			write_counter();
		active = 0;
		say("QUIESCED at", counter, 1);
		break;
	}
	saAmfResponse(amf, inv, SA_AIS_OK);
}

static void csi_remove(SaInvocationT inv, const SaNameT *comp, const SaNameT *csi,
		       SaAmfCSIFlagsT flags)
{
	(void)comp;
	(void)csi;
	(void)flags;
	if (active)
		write_counter();
	active = 0;
	say("removed", 0, 0);
	saAmfResponse(amf, inv, SA_AIS_OK);
}

static void terminate(SaInvocationT inv, const SaNameT *comp)
{
	(void)comp;
	say("terminate", 0, 0);
	saAmfResponse(amf, inv, SA_AIS_OK);
	done = 1;
}

static SaAisErrorT init_amf(void *callbacks)
{
	SaVersionT v = { 'B', 1, 1 };
	return saAmfInitialize(&amf, callbacks, &v);
}

static SaAisErrorT init_ckpt(void *unused)
{
	SaVersionT v = { 'B', 1, 1 };
	(void)unused;
	return saCkptInitialize(&ckpt, NULL, &v);
}

static SaAisErrorT do_register(void *unused)
{
	(void)unused;
	return saAmfComponentRegister(amf, &comp_name, NULL);
}

int main(void)
{
	SaAmfCallbacksT callbacks = {
		.saAmfCSISetCallback = csi_set,
		.saAmfCSIRemoveCallback = csi_remove,
		.saAmfComponentTerminateCallback = terminate,
	};
	SaSelectionObjectT fd;
	SaAisErrorT rc;
	long long next_tick, next_report;

	if ((rc = retry(init_amf, &callbacks)) != SA_AIS_OK) {
		fprintf(stderr, "amfdemo: saAmfInitialize: %d\n", rc);
		return 1;
	}
	if ((rc = saAmfComponentNameGet(amf, &comp_name)) != SA_AIS_OK) {
		fprintf(stderr, "amfdemo: saAmfComponentNameGet: %d (run me from amfdemo-clc)\n", rc);
		return 1;
	}
	if (retry(init_ckpt, NULL) == SA_AIS_OK && retry(open_counter, NULL) == SA_AIS_OK)
		have_ckpt = 1;
	else
		fprintf(stderr, "amfdemo: no checkpoint: the counter starts at 0\n");
	if ((rc = retry(do_register, NULL)) != SA_AIS_OK) {
		fprintf(stderr, "amfdemo: saAmfComponentRegister: %d\n", rc);
		return 1;
	}
	say("registered", 0, 0);
	saAmfSelectionObjectGet(amf, &fd);
	next_tick = now_ms() + 100;
	next_report = now_ms() + 1000;
	while (!done) {
		struct pollfd p = { .fd = (int)fd, .events = POLLIN };
		long long wait = next_tick - now_ms();

		if (poll(&p, 1, wait > 0 ? (int)wait : 0) > 0) {
			if (saAmfDispatch(amf, SA_DISPATCH_ALL) != SA_AIS_OK)
				break;	/* the executive went away */
		}
		if (now_ms() >= next_tick) {
			next_tick += 100;
			if (active) {
				counter++;
				write_counter();
			}
		}
		if (now_ms() >= next_report) {
			next_report += 1000;
			if (active)
				say("count", counter, 1);
		}
	}
	saAmfFinalize(amf);
	return 0;
}
