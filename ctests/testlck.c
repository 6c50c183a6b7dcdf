/* link: -lSaLck */
/*
 * testlck: walk through the lock API and print what every call returns.
 *
 *   testlck [-n NAME]
 *
 * Opens the lock resource NAME (default "testlck-<pid>") through two
 * library handles, takes an EX lock through the first, probes it with
 * NO_QUEUE requests through the second, queues an asynchronous PR
 * request there (the holder gets the waiter callback), unlocks (the
 * grant callback follows), unlocks asynchronously, tries a duplicate EX
 * lock, leaves an orphan lock behind a closed handle and purges it, and
 * closes and finalizes everything.  Exit status 0 when every call
 * returned what it should, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saLck.h>

#include "sa_name.h"
#include "timing.h"

static int failures;
static int grants, waiters, unlocks, opens;
static SaLckLockStatusT last_grant_status;
static SaLckWaiterSignalT last_signal;
static SaLckResourceHandleT opened;

static const char *status_name(SaLckLockStatusT s)
{
	switch (s) {
	case SA_LCK_LOCK_GRANTED: return "GRANTED";
	case SA_LCK_LOCK_DEADLOCK: return "DEADLOCK";
	case SA_LCK_LOCK_NOT_QUEUED: return "NOT_QUEUED";
	case SA_LCK_LOCK_ORPHANED: return "ORPHANED";
	case SA_LCK_LOCK_NO_MORE: return "NO_MORE";
	case SA_LCK_LOCK_DUPLICATE_EX: return "DUPLICATE_EX";
	default: return "?";
	}
}

/* prints a call's result; counts it as a failure unless it is WANT */
static void show(const char *what, SaAisErrorT rc, SaAisErrorT want)
{
	printf("%-44s -> %d%s\n", what, (int)rc, rc == want ? "" : "   <-- unexpected");
	if (rc != want)
		failures++;
}

static void show_status(const char *what, SaLckLockStatusT st, SaLckLockStatusT want)
{
	printf("%-44s    lockStatus %s%s\n", what, status_name(st), st == want ? "" : "   <-- unexpected");
	if (st != want)
		failures++;
}

static void open_cb(SaInvocationT inv, SaLckResourceHandleT r, SaAisErrorT err)
{
	printf("  callback: resource open, invocation %llu, error %d\n", (unsigned long long)inv, (int)err);
	opened = r;
	opens++;
}

static void grant_cb(SaInvocationT inv, SaLckLockStatusT st, SaAisErrorT err)
{
	printf("  callback: lock grant, invocation %llu, status %s, error %d\n",
	       (unsigned long long)inv, status_name(st), (int)err);
	last_grant_status = st;
	grants++;
}

static void waiter_cb(SaLckWaiterSignalT sig, SaLckLockIdT id, SaLckLockModeT held, SaLckLockModeT req)
{
	printf("  callback: waiter, signal %#llx, lock %#llx, held %d, requested %d\n",
	       (unsigned long long)sig, (unsigned long long)id, (int)held, (int)req);
	last_signal = sig;
	waiters++;
}

static void unlock_cb(SaInvocationT inv, SaAisErrorT err)
{
	printf("  callback: unlock, invocation %llu, error %d\n", (unsigned long long)inv, (int)err);
	unlocks++;
}

static const SaLckCallbacksT callbacks = { open_cb, grant_cb, waiter_cb, unlock_cb };

/* dispatches H until *COUNTER passes BEFORE or 5 s passed */
static int await(SaLckHandleT h, volatile int *counter, int before)
{
	SaSelectionObjectT so;
	long long end = now_ms() + 5000;

	if (saLckSelectionObjectGet(h, &so) != SA_AIS_OK)
		return 0;
	while (*counter <= before && now_ms() < end) {
		struct pollfd p = { (int)so, POLLIN, 0 };

		if (poll(&p, 1, 100) > 0)
			saLckDispatch(h, SA_DISPATCH_ALL);
	}
	return *counter > before;
}

static SaLckHandleT init(void)
{
	SaLckHandleT h = 0;
	SaVersionT v = { 'B', 1, 1 };
	SaAisErrorT rc;

	RETRY(rc, saLckInitialize(&h, &callbacks, &v), SA_AIS_ERR_TRY_AGAIN, 20, 250);
	show("saLckInitialize", rc, SA_AIS_OK);
	return h;
}

int main(int argc, char **argv)
{
	SaLckHandleT h1, h2;
	SaLckResourceHandleT r1, r2;
	SaLckLockIdT ex = 0, pr = 0, dup = 0, probe = 0, orphan = 0;
	SaLckLockStatusT st = 0;
	SaLckOptionsT opt = 0;
	SaNameT n;
	const char *name = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: %s [-n NAME]\n", argv[0]);
			return 1;
		}
		name = optarg;
	}
	if (name)
		sa_name_set(&n, name);
	else
		sa_name_printf(&n, "testlck-%ld", (long)getpid());

	h1 = init();
	h2 = init();
	show("saLckOptionCheck", saLckOptionCheck(h1, &opt), SA_AIS_OK);
	printf("  options: %s%s\n", opt & SA_LCK_OPT_ORPHAN_LOCKS ? "ORPHAN_LOCKS " : "",
	       opt & SA_LCK_OPT_DEADLOCK_DETECTION ? "DEADLOCK_DETECTION" : "");
	show("saLckResourceOpen without CREATE", saLckResourceOpen(h1, &n, 0, SA_TIME_ONE_SECOND * 5, &r1),
	     SA_AIS_ERR_NOT_EXIST);
	show("saLckResourceOpen CREATE", saLckResourceOpen(h1, &n, SA_LCK_RESOURCE_CREATE,
							   SA_TIME_ONE_SECOND * 5, &r1), SA_AIS_OK);
	show("saLckResourceOpenAsync", saLckResourceOpenAsync(h2, 7, &n, 0), SA_AIS_OK);
	if (!await(h2, &opens, 0))
		show("resource open callback", SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	r2 = opened;

	show("saLckResourceLock EX", saLckResourceLock(r1, &ex, SA_LCK_EX_LOCK_MODE, 0, 0,
						      SA_TIME_ONE_SECOND * 5, &st), SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_GRANTED);
	show("saLckResourceLock PR, NO_QUEUE (other handle)",
	     saLckResourceLock(r2, &probe, SA_LCK_PR_LOCK_MODE, SA_LCK_LOCK_NO_QUEUE, 0,
			       SA_TIME_ONE_SECOND * 5, &st), SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_NOT_QUEUED);
	show("saLckResourceLock EX again (same handle)",
	     saLckResourceLock(r1, &dup, SA_LCK_EX_LOCK_MODE, 0, 0, SA_TIME_ONE_SECOND * 5, &st),
	     SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_DUPLICATE_EX);
	show("saLckResourceLock PR, 1 s timeout (other handle)",
	     saLckResourceLock(r2, &probe, SA_LCK_PR_LOCK_MODE, 0, 0, SA_TIME_ONE_SECOND, &st),
	     SA_AIS_ERR_TIMEOUT);

	show("saLckResourceLockAsync PR (other handle)",
	     saLckResourceLockAsync(r2, 21, &pr, SA_LCK_PR_LOCK_MODE, 0, 0xfeed), SA_AIS_OK);
	if (!await(h1, &waiters, 0) || last_signal != 0xfeed)
		show("waiter callback with signal 0xfeed", SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	show("saLckResourceUnlock EX", saLckResourceUnlock(ex, SA_TIME_ONE_SECOND * 5), SA_AIS_OK);
	if (!await(h2, &grants, 0))
		show("grant callback", SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	show_status("  the waiting PR request", last_grant_status, SA_LCK_LOCK_GRANTED);
	show("saLckResourceUnlockAsync PR", saLckResourceUnlockAsync(22, pr), SA_AIS_OK);
	if (!await(h2, &unlocks, 0))
		show("unlock callback", SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	show("saLckResourceUnlock of a released lock", saLckResourceUnlock(pr, SA_TIME_ONE_SECOND),
	     SA_AIS_ERR_NOT_EXIST);

	show("saLckResourceLock EX, ORPHAN", saLckResourceLock(r1, &orphan, SA_LCK_EX_LOCK_MODE,
							       SA_LCK_LOCK_ORPHAN, 0,
							       SA_TIME_ONE_SECOND * 5, &st), SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_GRANTED);
	show("saLckResourceClose (orphan lock stays)", saLckResourceClose(r1), SA_AIS_OK);
	show("saLckResourceLock EX, NO_QUEUE",
	     saLckResourceLock(r2, &probe, SA_LCK_EX_LOCK_MODE, SA_LCK_LOCK_NO_QUEUE, 0,
			       SA_TIME_ONE_SECOND * 5, &st), SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_ORPHANED);
	show("saLckLockPurge", saLckLockPurge(r2), SA_AIS_OK);
	show("saLckResourceLock EX, NO_QUEUE",
	     saLckResourceLock(r2, &probe, SA_LCK_EX_LOCK_MODE, SA_LCK_LOCK_NO_QUEUE, 0,
			       SA_TIME_ONE_SECOND * 5, &st), SA_AIS_OK);
	show_status("", st, SA_LCK_LOCK_GRANTED);
	show("saLckResourceUnlock", saLckResourceUnlock(probe, SA_TIME_ONE_SECOND * 5), SA_AIS_OK);

	show("saLckResourceLock invalid mode",
	     saLckResourceLock(r2, &probe, 9, 0, 0, SA_TIME_ONE_SECOND, &st), SA_AIS_ERR_INVALID_PARAM);
	show("saLckResourceLock invalid flags",
	     saLckResourceLock(r2, &probe, SA_LCK_PR_LOCK_MODE, 0x40, 0, SA_TIME_ONE_SECOND, &st),
	     SA_AIS_ERR_BAD_FLAGS);
	show("saLckResourceLock NULL lockStatus",
	     saLckResourceLock(r2, &probe, SA_LCK_PR_LOCK_MODE, 0, 0, SA_TIME_ONE_SECOND, NULL),
	     SA_AIS_ERR_INVALID_PARAM);
	show("saLckResourceClose", saLckResourceClose(r2), SA_AIS_OK);
	show("saLckResourceClose again", saLckResourceClose(r2), SA_AIS_ERR_BAD_HANDLE);
	show("saLckFinalize", saLckFinalize(h1), SA_AIS_OK);
	show("saLckFinalize", saLckFinalize(h2), SA_AIS_OK);
	show("saLckFinalize again", saLckFinalize(h2), SA_AIS_ERR_BAD_HANDLE);
	printf("%s\n", failures ? "testlck: FAILED" : "testlck: every call returned what it should");
	return failures ? 1 : 0;
}
