/*
 * evs.h: openais extended virtual synchrony (closed process group) API, openais 0.80 ABI.
 * Generated from libsa/abi/src/evs.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_EVS_H
#define OPENAIS_EVS_H

#include <stdint.h>
#include <sys/uio.h>

/**
 * Bytes of an address in evs_address (an IPv6 address).
 */
#define TOTEMIP_ADDRLEN 16

/**
 * Result code of every evs call.
 */
typedef uint32_t evs_error_t;

/**
 * Handle of one evs library instance (from evs_initialize).
 */
typedef uint64_t evs_handle_t;

/**
 * A message was delivered: sender node, message, length.
 */
typedef void (*evs_deliver_fn_t)(unsigned int nodeid, void *msg, int msg_len);

/**
 * The membership changed: the members, those who left, those who joined.
 */
typedef void (*evs_confchg_fn_t)(unsigned int *member_list,
                                 int member_list_entries,
                                 unsigned int *left_list,
                                 int left_list_entries,
                                 unsigned int *joined_list,
                                 int joined_list_entries);

/**
 * Callbacks a process registers with evs_initialize.
 */
typedef struct evs_callbacks_t {
    evs_deliver_fn_t evs_deliver_fn;
    evs_confchg_fn_t evs_confchg_fn;
} evs_callbacks_t;

/**
 * How much evs_dispatch() processes.
 */
typedef uint32_t evs_dispatch_t;

/**
 * A group, named by a 32-byte key (compared whole).
 */
typedef struct evs_group {
    char key[32];
} evs_group;

/**
 * Delivery guarantee of a multicast.
 */
typedef uint32_t evs_guarantee_t;

/**
 * A node's network address.
 */
typedef struct evs_address {
    unsigned int nodeid;
    /**
     * AF_INET or AF_INET6.
     */
    unsigned short family;
    unsigned char addr[TOTEMIP_ADDRLEN];
} evs_address;

#define EVS_DISPATCH_ONE 0

#define EVS_DISPATCH_ALL 1

#define EVS_DISPATCH_BLOCKING 2

#define EVS_TYPE_UNORDERED 0

#define EVS_TYPE_FIFO 1

#define EVS_TYPE_AGREED 2

#define EVS_TYPE_SAFE 3

#define EVS_OK 1

#define EVS_ERR_LIBRARY 2

#define EVS_ERR_TIMEOUT 5

#define EVS_ERR_TRY_AGAIN 6

#define EVS_ERR_INVALID_PARAM 7

#define EVS_ERR_NO_MEMORY 8

#define EVS_ERR_BAD_HANDLE 9

#define EVS_ERR_ACCESS 11

#define EVS_ERR_NOT_EXIST 12

#define EVS_ERR_EXIST 14

#define EVS_ERR_NOT_SUPPORTED 20

#define EVS_ERR_SECURITY 29

#define EVS_ERR_TOO_MANY_GROUPS 30

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern evs_error_t evs_initialize(evs_handle_t *handle, struct evs_callbacks_t *callbacks);

extern evs_error_t evs_finalize(evs_handle_t handle);

/**
 * The file descriptor to poll for pending callbacks.
 */
extern evs_error_t evs_fd_get(evs_handle_t handle, int *fd);

extern evs_error_t evs_dispatch(evs_handle_t handle, evs_dispatch_t dispatch_types);

extern evs_error_t evs_join(evs_handle_t handle, struct evs_group *groups, int group_entries);

extern evs_error_t evs_leave(evs_handle_t handle, struct evs_group *groups, int group_entries);

/**
 * Multicast to the groups the process joined.
 */
extern evs_error_t evs_mcast_joined(evs_handle_t handle,
                                    evs_guarantee_t guarantee,
                                    struct iovec *iovec,
                                    int iov_len);

/**
 * Multicast to the given groups.
 */
extern evs_error_t evs_mcast_groups(evs_handle_t handle,
                                    evs_guarantee_t guarantee,
                                    struct evs_group *groups,
                                    int group_entries,
                                    struct iovec *iovec,
                                    int iov_len);

/**
 * The local node id and the current members (`member_list_entries`:
 * capacity in, count out).
 */
extern evs_error_t evs_membership_get(evs_handle_t handle,
                                      unsigned int *local_nodeid,
                                      unsigned int *member_list,
                                      unsigned int *member_list_entries);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_EVS_H */
