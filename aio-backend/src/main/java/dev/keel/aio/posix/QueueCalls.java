package dev.keel.aio.posix;

/**
 * The two glibc calls that queue requests, behind an interface so tests can make glibc refuse
 * some requests of a batch (what a partial lio_listio failure looks like: the refused aiocbs
 * untouched, -1 and errno) and prove the exact accounting. Everything else goes straight to
 * {@link GlibcAio}. On failure, errno is read with {@link GlibcAio#errno()}.
 */
interface QueueCalls {
    /** lio_listio(LIO_NOWAIT, list, nent, NULL). */
    int lioListio(long list, int nent);

    /** aio_fsync(op, aiocb). */
    int aioFsync(int op, long aiocb);

    QueueCalls GLIBC = new QueueCalls() {
        @Override
        public int lioListio(long list, int nent) {
            return GlibcAio.lio_listio(AiocbDescriptor.LIO_NOWAIT, list, nent, 0);
        }

        @Override
        public int aioFsync(int op, long aiocb) {
            return GlibcAio.aio_fsync(op, aiocb);
        }
    };
}
