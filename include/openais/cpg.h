/*
 * cpg.h: openais closed process group API, openais 0.80 ABI.
 * Generated from libsa/abi/src/cpg.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_CPG_H
#define OPENAIS_CPG_H

#include <stdint.h>
#include <sys/uio.h>

/**
 * Longest group name.
 */
#define CPG_MAX_NAME_LENGTH 128

/**
 * Most members cpg_membership_get reports.
 */
#define CPG_MEMBERS_MAX 128

/**
 * Result code of every cpg call.
 */
typedef uint32_t cpg_error_t;

/**
 * Handle of one cpg library instance (from cpg_initialize).
 */
typedef uint64_t cpg_handle_t;

/**
 * A group name (length-counted, not NUL-terminated).
 */
typedef struct cpg_name {
    uint32_t length;
    char value[CPG_MAX_NAME_LENGTH];
} cpg_name;

/**
 * A message was delivered to a group: sender node and process, message.
 */
typedef void (*cpg_deliver_fn_t)(cpg_handle_t handle,
                                 struct cpg_name *group_name,
                                 uint32_t nodeid,
                                 uint32_t pid,
                                 void *msg,
                                 int msg_len);

/**
 * A group member: node, process, and (in change lists) a cpg_reason_t.
 */
typedef struct cpg_address {
    uint32_t nodeid;
    uint32_t pid;
    uint32_t reason;
} cpg_address;

/**
 * A group's membership changed: the members, those who left, those who joined.
 */
typedef void (*cpg_confchg_fn_t)(cpg_handle_t handle,
                                 struct cpg_name *group_name,
                                 struct cpg_address *member_list,
                                 int member_list_entries,
                                 struct cpg_address *left_list,
                                 int left_list_entries,
                                 struct cpg_address *joined_list,
                                 int joined_list_entries);

/**
 * Callbacks a process registers with cpg_initialize.
 */
typedef struct cpg_callbacks_t {
    cpg_deliver_fn_t cpg_deliver_fn;
    cpg_confchg_fn_t cpg_confchg_fn;
} cpg_callbacks_t;

/**
 * How much cpg_dispatch() processes.
 */
typedef uint32_t cpg_dispatch_t;

/**
 * Delivery guarantee of a multicast.
 */
typedef uint32_t cpg_guarantee_t;

/**
 * Whether the executive asks senders to slow down.
 */
typedef uint32_t cpg_flow_control_state_t;

/**
 * Why a process appears in a configuration change list.
 */
typedef uint32_t cpg_reason_t;

#define CPG_DISPATCH_ONE 0

#define CPG_DISPATCH_ALL 1

#define CPG_DISPATCH_BLOCKING 2

#define CPG_TYPE_UNORDERED 0

#define CPG_TYPE_FIFO 1

#define CPG_TYPE_AGREED 2

#define CPG_TYPE_SAFE 3

#define CPG_FLOW_CONTROL_DISABLED 0

#define CPG_FLOW_CONTROL_ENABLED 1

#define CPG_OK 1

#define CPG_ERR_LIBRARY 2

#define CPG_ERR_TIMEOUT 5

#define CPG_ERR_TRY_AGAIN 6

#define CPG_ERR_INVALID_PARAM 7

#define CPG_ERR_NO_MEMORY 8

#define CPG_ERR_BAD_HANDLE 9

#define CPG_ERR_BUSY 10

#define CPG_ERR_ACCESS 11

#define CPG_ERR_NOT_EXIST 12

#define CPG_ERR_EXIST 14

#define CPG_ERR_NOT_SUPPORTED 20

#define CPG_ERR_SECURITY 29

#define CPG_ERR_TOO_MANY_GROUPS 30

#define CPG_REASON_JOIN 1

#define CPG_REASON_LEAVE 2

#define CPG_REASON_NODEDOWN 3

#define CPG_REASON_NODEUP 4

#define CPG_REASON_PROCDOWN 5

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern cpg_error_t cpg_initialize(cpg_handle_t *handle, struct cpg_callbacks_t *callbacks);

extern cpg_error_t cpg_finalize(cpg_handle_t handle);

/**
 * The file descriptor to poll for pending callbacks.
 */
extern cpg_error_t cpg_fd_get(cpg_handle_t handle, int *fd);

/**
 * The pointer last given to cpg_context_set.
 */
extern cpg_error_t cpg_context_get(cpg_handle_t handle, void **context);

/**
 * Attach an application pointer to the handle.
 */
extern cpg_error_t cpg_context_set(cpg_handle_t handle, void *context);

extern cpg_error_t cpg_dispatch(cpg_handle_t handle, cpg_dispatch_t dispatch_types);

extern cpg_error_t cpg_join(cpg_handle_t handle, struct cpg_name *group);

extern cpg_error_t cpg_leave(cpg_handle_t handle, struct cpg_name *group);

/**
 * Multicast to the groups the process joined.
 */
extern cpg_error_t cpg_mcast_joined(cpg_handle_t handle,
                                    cpg_guarantee_t guarantee,
                                    struct iovec *iovec,
                                    int iov_len);

/**
 * The members of a group (`member_list_entries`: capacity in, count out).
 */
extern cpg_error_t cpg_membership_get(cpg_handle_t handle,
                                      struct cpg_name *groupName,
                                      struct cpg_address *member_list,
                                      int *member_list_entries);

extern cpg_error_t cpg_local_get(cpg_handle_t handle, unsigned int *local_nodeid);

extern cpg_error_t cpg_flow_control_state_get(cpg_handle_t handle,
                                              cpg_flow_control_state_t *flow_control_enabled);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_CPG_H */
