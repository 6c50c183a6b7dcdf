/*
 * saEvt.h: SA Forum AIS B.01.01 Event Service, openais 0.80 ABI.
 * Generated from libsa/abi/src/evt.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SAEVT_H
#define OPENAIS_SAEVT_H

#include "saAis.h"

/* Pattern of the event that reports lost events to a subscriber. */
#define SA_EVT_LOST_EVENT "SA_EVT_LOST_EVENT_PATTERN"

/**
 * Largest event data openais accepts.
 */
#define SA_EVT_DATA_MAX_LEN 65536

/**
 * Handle of one event library instance (from saEvtInitialize).
 */
typedef SaUint64T SaEvtHandleT;

/**
 * Handle of one opened event channel.
 */
typedef SaUint64T SaEvtChannelHandleT;

/**
 * Result of saEvtChannelOpenAsync.
 */
typedef void (*SaEvtChannelOpenCallbackT)(SaInvocationT invocation,
                                          SaEvtChannelHandleT channelHandle,
                                          SaAisErrorT error);

/**
 * Subscription identifier, chosen by the subscriber.
 */
typedef SaUint32T SaEvtSubscriptionIdT;

/**
 * Handle of one allocated event.
 */
typedef SaUint64T SaEvtEventHandleT;

/**
 * An event matching a subscription was delivered.
 */
typedef void (*SaEvtEventDeliverCallbackT)(SaEvtSubscriptionIdT subscriptionId,
                                           SaEvtEventHandleT eventHandle,
                                           SaSizeT eventDataSize);

/**
 * Callbacks a client registers with saEvtInitialize.
 */
typedef struct SaEvtCallbacksT {
    SaEvtChannelOpenCallbackT saEvtChannelOpenCallback;
    SaEvtEventDeliverCallbackT saEvtEventDeliverCallback;
} SaEvtCallbacksT;

/**
 * Channel open flags.
 */
typedef SaUint8T SaEvtChannelOpenFlagsT;

/**
 * One pattern of an event (`patternSize` bytes at `pattern`).
 */
typedef struct SaEvtEventPatternT {
    /**
     * Bytes allocated at `pattern` (for attribute reads).
     */
    SaSizeT allocatedSize;
    SaSizeT patternSize;
    SaUint8T *pattern;
} SaEvtEventPatternT;

/**
 * The patterns of an event.
 */
typedef struct SaEvtEventPatternArrayT {
    /**
     * Elements allocated at `patterns` (for attribute reads).
     */
    SaSizeT allocatedNumber;
    SaSizeT patternsNumber;
    struct SaEvtEventPatternT *patterns;
} SaEvtEventPatternArrayT;

/**
 * Event priority: 0 (highest) to 3 (lowest).
 */
typedef SaUint8T SaEvtEventPriorityT;

/**
 * Cluster-wide identifier of a published event.
 */
typedef SaUint64T SaEvtEventIdT;

/**
 * How a filter matches a pattern.
 */
typedef uint32_t SaEvtEventFilterTypeT;

/**
 * One filter of a subscription, matched against the pattern of the same index.
 */
typedef struct SaEvtEventFilterT {
    SaEvtEventFilterTypeT filterType;
    struct SaEvtEventPatternT filter;
} SaEvtEventFilterT;

/**
 * The filters of a subscription.
 */
typedef struct SaEvtEventFilterArrayT {
    SaSizeT filtersNumber;
    struct SaEvtEventFilterT *filters;
} SaEvtEventFilterArrayT;

/**
 * No event id (an event that is not retained).
 */
#define SA_EVT_EVENTID_NONE 0

/**
 * Id of the event reporting lost events.
 */
#define SA_EVT_EVENTID_LOST 1

#define SA_EVT_HIGHEST_PRIORITY 0

#define SA_EVT_LOWEST_PRIORITY 3

#define SA_EVT_CHANNEL_PUBLISHER 1

#define SA_EVT_CHANNEL_SUBSCRIBER 2

#define SA_EVT_CHANNEL_CREATE 4

#define SA_EVT_PREFIX_FILTER 1

#define SA_EVT_SUFFIX_FILTER 2

#define SA_EVT_EXACT_FILTER 3

#define SA_EVT_PASS_ALL_FILTER 4

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saEvtInitialize(SaEvtHandleT *evtHandle,
                                   const struct SaEvtCallbacksT *callbacks,
                                   SaVersionT *version);

extern SaAisErrorT saEvtSelectionObjectGet(SaEvtHandleT evtHandle,
                                           SaSelectionObjectT *selectionObject);

extern SaAisErrorT saEvtDispatch(SaEvtHandleT evtHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saEvtFinalize(SaEvtHandleT evtHandle);

extern SaAisErrorT saEvtChannelOpen(SaEvtHandleT evtHandle,
                                    const SaNameT *channelName,
                                    SaEvtChannelOpenFlagsT channelOpenFlags,
                                    SaTimeT timeout,
                                    SaEvtChannelHandleT *channelHandle);

extern SaAisErrorT saEvtChannelOpenAsync(SaEvtHandleT evtHandle,
                                         SaInvocationT invocation,
                                         const SaNameT *channelName,
                                         SaEvtChannelOpenFlagsT channelOpenFlags);

extern SaAisErrorT saEvtChannelClose(SaEvtChannelHandleT channelHandle);

extern SaAisErrorT saEvtChannelUnlink(SaEvtHandleT evtHandle, const SaNameT *channelName);

extern SaAisErrorT saEvtEventAllocate(SaEvtChannelHandleT channelHandle,
                                      SaEvtEventHandleT *eventHandle);

extern SaAisErrorT saEvtEventFree(SaEvtEventHandleT eventHandle);

extern SaAisErrorT saEvtEventAttributesSet(SaEvtEventHandleT eventHandle,
                                           const struct SaEvtEventPatternArrayT *patternArray,
                                           SaEvtEventPriorityT priority,
                                           SaTimeT retentionTime,
                                           const SaNameT *publisherName);

extern SaAisErrorT saEvtEventAttributesGet(SaEvtEventHandleT eventHandle,
                                           struct SaEvtEventPatternArrayT *patternArray,
                                           SaEvtEventPriorityT *priority,
                                           SaTimeT *retentionTime,
                                           SaNameT *publisherName,
                                           SaTimeT *publishTime,
                                           SaEvtEventIdT *eventId);

extern SaAisErrorT saEvtEventDataGet(SaEvtEventHandleT eventHandle,
                                     void *eventData,
                                     SaSizeT *eventDataSize);

extern SaAisErrorT saEvtEventPublish(SaEvtEventHandleT eventHandle,
                                     const void *eventData,
                                     SaSizeT eventDataSize,
                                     SaEvtEventIdT *eventId);

extern SaAisErrorT saEvtEventSubscribe(SaEvtChannelHandleT channelHandle,
                                       const struct SaEvtEventFilterArrayT *filters,
                                       SaEvtSubscriptionIdT subscriptionId);

extern SaAisErrorT saEvtEventUnsubscribe(SaEvtChannelHandleT channelHandle,
                                         SaEvtSubscriptionIdT subscriptionId);

extern SaAisErrorT saEvtEventRetentionTimeClear(SaEvtChannelHandleT channelHandle,
                                                SaEvtEventIdT eventId);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SAEVT_H */
