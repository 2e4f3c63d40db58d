package dev.keel.aio;

/** How {@link NativeFile#open} opens a file; each maps to one Linux open(2) flag. */
public enum OpenFlag {
    READ,
    WRITE,
    CREATE,
    /** O_APPEND: every write lands at the end; required by {@link AioRequest#prepareAppend}. */
    APPEND,
    /** O_DSYNC: each write returns once its data (and the metadata needed to read it) is durable. */
    DSYNC,
    /** O_SYNC: each write returns once its data and all its metadata are durable. */
    SYNC,
    /** O_DIRECT: bypass the page cache; buffer address, offset and length must be block aligned. */
    DIRECT
}
