package dev.keel.aio;

/**
 * The life of an {@link AioRequest}: NEW, then PREPARED by a {@code prepare*} call, SUBMITTED by
 * {@link AioContext#submit}, and finally COMPLETED or CANCELED when its completion is delivered
 * by {@link AioContext#await}, {@link AioContext#poll} or {@link AioContext#submitAndWait}.
 * A delivered request may be prepared again.
 */
public enum RequestState {
    /** Never prepared. */
    NEW,
    PREPARED,
    /** Owned by a context until its completion is delivered. */
    SUBMITTED,
    /** Delivered; {@link AioRequest#result()} holds bytes transferred or a negative errno. */
    COMPLETED,
    /** Delivered with ECANCELED: it never ran (canceled, or cut from a failed chain). */
    CANCELED
}
