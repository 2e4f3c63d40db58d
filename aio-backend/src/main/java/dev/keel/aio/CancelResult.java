package dev.keel.aio;

/** What {@link AioContext#cancel} achieved, as aio_cancel(3) answers. */
public enum CancelResult {
    /** The request will not run; its completion is delivered with ECANCELED. */
    CANCELED,
    /** The request had already completed; its completion is (or was) delivered as usual. */
    ALL_DONE,
    /** The request is running and cannot be stopped; its completion is delivered as usual. */
    NOT_CANCELED
}
