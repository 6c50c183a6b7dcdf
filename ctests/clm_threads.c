/* link: -lsaClm -lpthread */
/*
 * clm_threads: one CLM handle used by several threads at once.
 *
 * Worker threads call saClmClusterNodeGet, saClmClusterTrack (current view
 * into a buffer) and saClmClusterNodeGetAsync on one handle while another
 * thread runs saClmDispatch(SA_DISPATCH_BLOCKING); every asynchronous
 * invocation must be answered exactly once, and Finalize must end the
 * blocking dispatch.  Then a handle is finalized while a thread is using
 * it: each of that thread's calls returns SA_AIS_OK or
 * SA_AIS_ERR_BAD_HANDLE, never anything else, and nothing crashes.
 * Needs a running executive.  Closes with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openais/saAis.h>
#include <openais/saClm.h>

#include "sa_checks.h"

#define WORKERS 4
#define ROUNDS 200
#define ASYNC_EVERY 10
#define ASYNC_TOTAL (WORKERS * (ROUNDS / ASYNC_EVERY))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int answered[ASYNC_TOTAL];
static int stray_answers;

static void node_get_callback(SaInvocationT invocation,
			      const SaClmClusterNodeT *node, SaAisErrorT error)
{
	(void)node;
	pthread_mutex_lock(&lock);
	if (invocation < ASYNC_TOTAL && error == SA_AIS_OK)
		answered[invocation]++;
	else
		stray_answers++;
	pthread_mutex_unlock(&lock);
}

static void track_callback(const SaClmClusterNotificationBufferT *buffer,
			   SaUint32T members, SaAisErrorT error)
{
	(void)buffer;
	(void)members;
	(void)error;
}

static const SaClmCallbacksT callbacks = {
	.saClmClusterNodeGetCallback = node_get_callback,
	.saClmClusterTrackCallback = track_callback,
};

struct worker {
	SaClmHandleT handle;
	int index;
	int errors;
	SaAisErrorT last_error;
};

static void *work(void *p)
{
	struct worker *w = p;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		SaClmClusterNodeT node;
		SaClmClusterNotificationT items[16];
		SaClmClusterNotificationBufferT buf;
		SaAisErrorT rc;

		rc = saClmClusterNodeGet(w->handle, SA_CLM_LOCAL_NODE_ID,
					 SA_TIME_ONE_SECOND * 5, &node);
		if (rc != SA_AIS_OK) {
			w->errors++;
			w->last_error = rc;
		}
		buf.viewNumber = 0;
		buf.numberOfItems = 16;
		buf.notification = items;
		rc = saClmClusterTrack(w->handle, SA_TRACK_CURRENT, &buf);
		if (rc != SA_AIS_OK || buf.numberOfItems < 1) {
			w->errors++;
			w->last_error = rc;
		}
		if (i % ASYNC_EVERY == 0) {
			SaInvocationT inv = (SaInvocationT)(w->index * (ROUNDS / ASYNC_EVERY) +
							    i / ASYNC_EVERY);

			rc = saClmClusterNodeGetAsync(w->handle, inv, SA_CLM_LOCAL_NODE_ID);
			if (rc != SA_AIS_OK) {
				w->errors++;
				w->last_error = rc;
			}
		}
	}
	return NULL;
}

struct dispatcher {
	SaClmHandleT handle;
	SaAisErrorT rc;
	volatile int done;
};

static void *dispatch_blocking(void *p)
{
	struct dispatcher *d = p;

	d->rc = saClmDispatch(d->handle, SA_DISPATCH_BLOCKING);
	d->done = 1;
	return NULL;
}

static SaAisErrorT initialize(SaUint64T *handle, SaVersionT *version)
{
	return saClmInitialize(handle, &callbacks, version);
}

static void shared_handle(void)
{
	struct worker workers[WORKERS];
	pthread_t threads[WORKERS], dthread;
	struct dispatcher d;
	char detail[128];
	int i, all_once = 1, errors = 0, waited;
	SaAisErrorT rc;

	rc = sa_initialize_retried(initialize, &d.handle);
	snprintf(detail, sizeof(detail), "saClmInitialize returned %d", (int)rc);
	check_true("initialize", rc == SA_AIS_OK, detail);
	if (rc != SA_AIS_OK)
		return;
	d.done = 0;
	d.rc = 0;
	pthread_create(&dthread, NULL, dispatch_blocking, &d);
	for (i = 0; i < WORKERS; i++) {
		workers[i].handle = d.handle;
		workers[i].index = i;
		workers[i].errors = 0;
		workers[i].last_error = SA_AIS_OK;
		pthread_create(&threads[i], NULL, work, &workers[i]);
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(threads[i], NULL);
		errors += workers[i].errors;
		if (workers[i].errors)
			rc = workers[i].last_error;
	}
	snprintf(detail, sizeof(detail), "%d calls failed, last error %d", errors, (int)rc);
	check_true("concurrent_calls_succeed", errors == 0, detail);

	for (waited = 0; waited < 10000; waited += 10) {
		int n = 0;

		pthread_mutex_lock(&lock);
		for (i = 0; i < ASYNC_TOTAL; i++)
			n += answered[i] > 0;
		pthread_mutex_unlock(&lock);
		if (n == ASYNC_TOTAL)
			break;
		sleep_ms(10);
	}
	sleep_ms(200);
	pthread_mutex_lock(&lock);
	for (i = 0; i < ASYNC_TOTAL; i++)
		if (answered[i] != 1) {
			all_once = 0;
			snprintf(detail, sizeof(detail), "invocation %d answered %d times",
				 i, answered[i]);
			break;
		}
	if (all_once && stray_answers) {
		all_once = 0;
		snprintf(detail, sizeof(detail), "%d unexpected answers", stray_answers);
	}
	pthread_mutex_unlock(&lock);
	check_true("async_invocations_answered_once_in_dispatch_thread", all_once, detail);
	check_true("blocking_dispatch_still_running", !d.done, "returned early");

	rc = saClmFinalize(d.handle);
	check_true("finalize", rc == SA_AIS_OK, "saClmFinalize failed");
	for (waited = 0; waited < 5000 && !d.done; waited += 10)
		sleep_ms(10);
	check_true("finalize_ends_blocking_dispatch", d.done, "dispatch still blocked after 5 s");
	if (d.done) {
		pthread_join(dthread, NULL);
		snprintf(detail, sizeof(detail), "returned %d", (int)d.rc);
		check_true("blocking_dispatch_result",
			   d.rc == SA_AIS_OK || d.rc == SA_AIS_ERR_BAD_HANDLE, detail);
	}
}

struct racer {
	SaClmHandleT handle;
	volatile int stop;
	int calls, bad_handles, other;
	SaAisErrorT other_rc;
};

static void *race(void *p)
{
	struct racer *r = p;

	while (!r->stop) {
		SaClmClusterNodeT node;
		SaAisErrorT rc = saClmClusterNodeGet(r->handle, SA_CLM_LOCAL_NODE_ID,
						     SA_TIME_ONE_SECOND * 5, &node);

		r->calls++;
		if (rc == SA_AIS_ERR_BAD_HANDLE) {
			r->bad_handles++;
		} else if (rc != SA_AIS_OK) {
			r->other++;
			r->other_rc = rc;
		}
	}
	return NULL;
}

static void finalize_while_in_use(void)
{
	struct racer r;
	pthread_t t;
	char detail[128];
	SaClmClusterNodeT node;
	SaAisErrorT rc;
	int round, ok = 1;

	for (round = 0; round < 20 && ok; round++) {
		memset(&r, 0, sizeof(r));
		rc = sa_initialize_retried(initialize, &r.handle);
		if (rc != SA_AIS_OK) {
			snprintf(detail, sizeof(detail), "saClmInitialize returned %d", (int)rc);
			ok = 0;
			break;
		}
		pthread_create(&t, NULL, race, &r);
		sleep_ms(5 + round);
		rc = saClmFinalize(r.handle);
		sleep_ms(5);
		r.stop = 1;
		pthread_join(t, NULL);
		if (rc != SA_AIS_OK || r.other != 0 || r.bad_handles == 0) {
			snprintf(detail, sizeof(detail),
				 "round %d: finalize %d, %d calls, %d BAD_HANDLE, %d others (last %d)",
				 round, (int)rc, r.calls, r.bad_handles, r.other, (int)r.other_rc);
			ok = 0;
		}
		if (saClmClusterNodeGet(r.handle, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND,
					&node) != SA_AIS_ERR_BAD_HANDLE) {
			snprintf(detail, sizeof(detail), "round %d: handle usable after finalize",
				 round);
			ok = 0;
		}
	}
	check_true("finalize_while_another_thread_calls", ok, detail);
}

int main(void)
{
	shared_handle();
	finalize_while_in_use();
	return check_summary();
}
