/* link: -levs */
/*
 * evs_errors: the error paths of libevs, as a C caller meets them.
 *
 * Handle errors need no executive; the checks that need an open handle are
 * skipped (and counted as skipped) when evs_initialize cannot reach one.
 * Prints one line per check and closes with "N passed, M failed"
 * (", K skipped"); exits 1 when a check failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <openais/evs.h>

#include "harness.h"

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	(void)nodeid;
	(void)msg;
	(void)len;
}

int main(void)
{
	evs_callbacks_t callbacks = { on_deliver, NULL };
	evs_handle_t h, bogus = 0x1234567890abcdefULL;
	struct evs_group g, many[257];
	struct iovec iov = { (void *)"x", 1 }, null_base = { NULL, 4 };
	unsigned int me, list[8], n = 8;
	static char big[(1 << 20) + 1];
	struct iovec big_iov = { big, sizeof(big) };
	int fd, i;
	evs_error_t rc;

	memset(&g, 0, sizeof(g));
	strcpy(g.key, "evs_errors");
	CHECK("fd_get_bad_handle", evs_fd_get(bogus, &fd), EVS_ERR_BAD_HANDLE);
	CHECK("finalize_bad_handle", evs_finalize(bogus), EVS_ERR_BAD_HANDLE);
	CHECK("dispatch_bad_handle", evs_dispatch(bogus, EVS_DISPATCH_ALL), EVS_ERR_BAD_HANDLE);
	CHECK("join_bad_handle", evs_join(bogus, &g, 1), EVS_ERR_BAD_HANDLE);
	CHECK("mcast_bad_handle", evs_mcast_joined(bogus, EVS_TYPE_AGREED, &iov, 1),
	      EVS_ERR_BAD_HANDLE);
	CHECK("membership_bad_handle", evs_membership_get(bogus, &me, list, &n),
	      EVS_ERR_BAD_HANDLE);
	CHECK("initialize_null_handle", evs_initialize(NULL, &callbacks), EVS_ERR_INVALID_PARAM);

	rc = evs_initialize(&h, &callbacks);
	if (rc != EVS_OK) {
		check_skip(14, "with an executive: evs_initialize returned %d", (int)rc);
		goto done;
	}
	CHECK("fd_get_null", evs_fd_get(h, NULL), EVS_ERR_INVALID_PARAM);
	CHECK("dispatch_bad_flags", evs_dispatch(h, 7), EVS_ERR_INVALID_PARAM);
	CHECK("join_null_groups", evs_join(h, NULL, 1), EVS_ERR_INVALID_PARAM);
	CHECK("join_no_groups", evs_join(h, &g, 0), EVS_ERR_INVALID_PARAM);
	memset(many, 0, sizeof(many));
	for (i = 0; i < 257; i++)
		snprintf(many[i].key, sizeof(many[i].key), "g%d", i);
	CHECK("join_too_many_groups", evs_join(h, many, 257), EVS_ERR_TOO_MANY_GROUPS);
	CHECK("leave_not_joined", evs_leave(h, &g, 1), EVS_ERR_NOT_EXIST);
	CHECK("join", evs_join(h, &g, 1), EVS_OK);
	CHECK("mcast_bad_guarantee", evs_mcast_joined(h, 9, &iov, 1), EVS_ERR_INVALID_PARAM);
	CHECK("mcast_negative_count", evs_mcast_joined(h, EVS_TYPE_AGREED, &iov, -1),
	      EVS_ERR_INVALID_PARAM);
	CHECK("mcast_null_base", evs_mcast_joined(h, EVS_TYPE_AGREED, &null_base, 1),
	      EVS_ERR_INVALID_PARAM);
	CHECK("mcast_too_big", evs_mcast_joined(h, EVS_TYPE_SAFE, &big_iov, 1),
	      EVS_ERR_INVALID_PARAM);
	CHECK("mcast_groups_null", evs_mcast_groups(h, EVS_TYPE_AGREED, NULL, 1, &iov, 1),
	      EVS_ERR_INVALID_PARAM);
	CHECK("membership_null_count", evs_membership_get(h, &me, list, NULL),
	      EVS_ERR_INVALID_PARAM);
	CHECK("finalize", evs_finalize(h), EVS_OK);
done:
	return check_summary();
}
