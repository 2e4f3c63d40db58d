package dev.keel.aio.linuxaio;

import dev.keel.aio.Errno;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real AIO system calls, with a test's hand on them: counts every call, logs every iocb the
 * kernel took and every event handed back (in one timeline), rations how many events
 * {@code io_getevents} may hand back (so completions can be held in the kernel, released one
 * at a time), and fails chosen calls (EINTR, EAGAIN after some iocbs, io_setup errors).
 */
final class ScriptedAioSyscalls implements AioSyscalls {
    /** What the kernel took (SUBMITTED) or gave back (REAPED), in the order it happened. */
    record Entry(boolean submitted, short opcode, int fd, long bufferAddress, long result, int submitCall) {
        boolean isSync() {
            return opcode == IocbDescriptor.IOCB_CMD_FDSYNC || opcode == IocbDescriptor.IOCB_CMD_FSYNC;
        }
    }

    static final int UNLIMITED = Integer.MAX_VALUE;

    private final AioSyscalls kernel = AioSyscalls.KERNEL;
    final AtomicLong submitCalls = new AtomicLong();
    final AtomicLong geteventsCalls = new AtomicLong();
    final AtomicLong cancelCalls = new AtomicLong();
    private final List<Entry> timeline = new ArrayList<>();
    private final AtomicInteger eventAllowance = new AtomicInteger(UNLIMITED);
    private volatile int submitErrno;
    private volatile int submitGoodIocbsFirst;
    private volatile boolean interruptNextSubmit;
    private volatile boolean interruptNextGetevents;
    private volatile int setupErrno;

    /** io_getevents hands back at most this many events from now on (0: completions stay in the ring). */
    void allowEvents(int events) {
        eventAllowance.set(events);
    }

    /** The next io_submit calls take {@code goodIocbs} iocbs for real, then one call fails with {@code errno}. */
    void failSubmitAfter(int goodIocbs, int errno) {
        submitGoodIocbsFirst = goodIocbs;
        submitErrno = errno;
    }

    void interruptNextSubmit() {
        interruptNextSubmit = true;
    }

    void interruptNextGetevents() {
        interruptNextGetevents = true;
    }

    void failSetup(int errno) {
        setupErrno = errno;
    }

    synchronized List<Entry> timeline() {
        return new ArrayList<>(timeline);
    }

    synchronized List<Entry> submitted() {
        return timeline.stream().filter(Entry::submitted).toList();
    }

    @Override
    public long ioSetup(int maxEvents, long contextIdAddress) {
        int errno = setupErrno;
        if (errno != 0) {
            setupErrno = 0;
            return -errno;
        }
        return kernel.ioSetup(maxEvents, contextIdAddress);
    }

    @Override
    public long ioDestroy(long contextId) {
        return kernel.ioDestroy(contextId);
    }

    @Override
    public synchronized long ioSubmit(long contextId, long count, long iocbPointersAddress) {
        long call = submitCalls.incrementAndGet();
        if (interruptNextSubmit) {
            interruptNextSubmit = false;
            return -Errno.EINTR.value();
        }
        long take = count;
        if (submitErrno != 0) {
            if (submitGoodIocbsFirst == 0) {
                int errno = submitErrno;
                submitErrno = 0;
                return -errno;
            }
            take = Math.min(count, submitGoodIocbsFirst);
        }
        long r = kernel.ioSubmit(contextId, take, iocbPointersAddress);
        if (submitErrno != 0 && r > 0) {
            submitGoodIocbsFirst -= (int) r;
        }
        UnsafeBuffer pointers = new UnsafeBuffer(iocbPointersAddress, (int) count * Long.BYTES);
        for (int i = 0; i < r; i++) {
            UnsafeBuffer iocb = new UnsafeBuffer(pointers.getLong(i * Long.BYTES), IocbDescriptor.IOCB_BYTES);
            timeline.add(new Entry(true, iocb.getShort(IocbDescriptor.AIO_LIO_OPCODE_OFFSET),
                iocb.getInt(IocbDescriptor.AIO_FILDES_OFFSET), iocb.getLong(IocbDescriptor.AIO_BUF_OFFSET), 0,
                (int) call));
        }
        return r;
    }

    @Override
    public synchronized long ioGetevents(long contextId, long minEvents, long maxEvents, long eventsAddress,
                                         long timeoutAddress) {
        geteventsCalls.incrementAndGet();
        if (interruptNextGetevents) {
            interruptNextGetevents = false;
            return -Errno.EINTR.value();
        }
        int allowance = eventAllowance.get();
        long wanted = Math.min(maxEvents, allowance);
        if (wanted == 0) {
            return 0;
        }
        long got = kernel.ioGetevents(contextId, Math.min(minEvents, wanted), wanted, eventsAddress, timeoutAddress);
        if (got > 0 && allowance != UNLIMITED) {
            eventAllowance.addAndGet((int) -got);
        }
        for (int i = 0; i < got; i++) {
            UnsafeBuffer event = new UnsafeBuffer(eventsAddress + (long) i * AioRingDescriptor.IO_EVENT_BYTES,
                AioRingDescriptor.IO_EVENT_BYTES);
            UnsafeBuffer iocb = new UnsafeBuffer(event.getLong(AioRingDescriptor.EVENT_OBJ_OFFSET), IocbDescriptor.IOCB_BYTES);
            timeline.add(new Entry(false, iocb.getShort(IocbDescriptor.AIO_LIO_OPCODE_OFFSET),
                iocb.getInt(IocbDescriptor.AIO_FILDES_OFFSET), iocb.getLong(IocbDescriptor.AIO_BUF_OFFSET),
                event.getLong(AioRingDescriptor.EVENT_RES_OFFSET), 0));
        }
        return got;
    }

    @Override
    public long ioCancel(long contextId, long iocbAddress, long resultEventAddress) {
        cancelCalls.incrementAndGet();
        return kernel.ioCancel(contextId, iocbAddress, resultEventAddress);
    }
}
