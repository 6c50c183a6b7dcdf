/*
 * saAis.h: SA Forum AIS B.01.01: types, error codes and constants shared by every service, openais 0.80 ABI.
 * Generated from libsa/abi/src/ais.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SAAIS_H
#define OPENAIS_SAAIS_H

#include <stdint.h>

/**
 * Longest name an SaNameT holds.
 */
#define SA_MAX_NAME_LENGTH 256

/**
 * Boolean: SA_FALSE or SA_TRUE.
 */
typedef uint32_t SaBoolT;

typedef int64_t SaInt64T;

/**
 * Time in nanoseconds: absolute (since the epoch) or a duration.
 */
typedef SaInt64T SaTimeT;

typedef uint64_t SaUint64T;

/**
 * How much saXxxDispatch() processes.
 */
typedef uint32_t SaDispatchFlagsT;

typedef uint8_t SaUint8T;

/**
 * Result code of every SA Forum call.
 */
typedef uint32_t SaAisErrorT;

typedef int8_t SaInt8T;

typedef int16_t SaInt16T;

typedef int32_t SaInt32T;

typedef uint16_t SaUint16T;

typedef uint32_t SaUint32T;

typedef float SaFloatT;

typedef double SaDoubleT;

typedef char *SaStringT;

/**
 * Byte counts, as the C size of openais (64 bits).
 */
typedef SaUint64T SaSizeT;

/**
 * Invocation identifier that pairs an asynchronous request with its callback.
 */
typedef SaUint64T SaInvocationT;

/**
 * Notification identifier (AMF error reports).
 */
typedef SaUint64T SaNtfIdentifierT;

/**
 * A length-counted name (not NUL-terminated).
 */
typedef struct SaNameT {
    /**
     * Number of meaningful bytes in value.
     */
    SaUint16T length;
    SaUint8T value[SA_MAX_NAME_LENGTH];
} SaNameT;

/**
 * Version of the specification a client asks for and the library grants.
 */
typedef struct SaVersionT {
    /**
     * Release code letter, 'B' for B.01.01.
     */
    char releaseCode;
    SaUint8T majorVersion;
    SaUint8T minorVersion;
} SaVersionT;

/**
 * File descriptor a client polls for pending callbacks.
 */
typedef SaUint64T SaSelectionObjectT;

#define SA_FALSE 0

#define SA_TRUE 1

#define SA_TIME_END 9223372036854775807ll

#define SA_TIME_BEGIN 0ll

/**
 * The time is not known (the bit pattern 0x8000000000000000, unsigned as in openais).
 */
#define SA_TIME_UNKNOWN 9223372036854775808ull

#define SA_TIME_ONE_MICROSECOND 1000ll

#define SA_TIME_ONE_MILLISECOND 1000000ll

#define SA_TIME_ONE_SECOND 1000000000ll

#define SA_TIME_ONE_MINUTE 60000000000ll

#define SA_TIME_ONE_HOUR 3600000000000ll

#define SA_TIME_ONE_DAY 86400000000000ll

#define SA_TIME_MAX SA_TIME_END

/**
 * The handle value no initialize call ever returns.
 */
#define SA_HANDLE_INVALID 0ull

/**
 * Invoke one pending callback, if any.
 */
#define SA_DISPATCH_ONE 1

/**
 * Invoke every pending callback, then return.
 */
#define SA_DISPATCH_ALL 2

/**
 * Invoke callbacks until the handle is finalized.
 */
#define SA_DISPATCH_BLOCKING 3

/**
 * Track only the current state.
 */
#define SA_TRACK_CURRENT 1

/**
 * Track every change, reporting the whole state.
 */
#define SA_TRACK_CHANGES 2

/**
 * Track every change, reporting only what changed.
 */
#define SA_TRACK_CHANGES_ONLY 4

#define SA_AIS_OK 1

#define SA_AIS_ERR_LIBRARY 2

#define SA_AIS_ERR_VERSION 3

#define SA_AIS_ERR_INIT 4

#define SA_AIS_ERR_TIMEOUT 5

#define SA_AIS_ERR_TRY_AGAIN 6

#define SA_AIS_ERR_INVALID_PARAM 7

#define SA_AIS_ERR_NO_MEMORY 8

#define SA_AIS_ERR_BAD_HANDLE 9

#define SA_AIS_ERR_BUSY 10

#define SA_AIS_ERR_ACCESS 11

#define SA_AIS_ERR_NOT_EXIST 12

#define SA_AIS_ERR_NAME_TOO_LONG 13

#define SA_AIS_ERR_EXIST 14

#define SA_AIS_ERR_NO_SPACE 15

#define SA_AIS_ERR_INTERRUPT 16

#define SA_AIS_ERR_NAME_NOT_FOUND 17

#define SA_AIS_ERR_NO_RESOURCES 18

#define SA_AIS_ERR_NOT_SUPPORTED 19

#define SA_AIS_ERR_BAD_OPERATION 20

#define SA_AIS_ERR_FAILED_OPERATION 21

#define SA_AIS_ERR_MESSAGE_ERROR 22

#define SA_AIS_ERR_QUEUE_FULL 23

#define SA_AIS_ERR_QUEUE_NOT_AVAILABLE 24

#define SA_AIS_ERR_BAD_FLAGS 25

#define SA_AIS_ERR_TOO_BIG 26

#define SA_AIS_ERR_NO_SECTIONS 27

/**
 * The caller may not use the service (openais's code, not in B.01.01).
 */
#define SA_AIS_ERR_SECURITY 29

#endif  /* OPENAIS_SAAIS_H */
