package dev.keel.aio.linuxaio;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;

/**
 * Linux native AIO ({@code io_setup}/{@code io_submit}/{@code io_getevents}), meant above all
 * for O_DIRECT files: there the kernel runs many writes at once and reports each through the
 * completion ring, which is where queue depth pays on this hardware. Buffered requests work
 * too, but the kernel copies them synchronously inside {@code io_submit}. Native AIO has no
 * ordering of its own; {@link LinuxAioContext} adds the contract's append order and sync
 * barrier. Registered buffers do not exist here: {@link AioOptions#registeredBuffers} is ignored.
 */
public final class LinuxAioBackend implements AioBackend {
    public static final String NAME = "linux-aio";

    private final AioSyscalls syscalls;

    public LinuxAioBackend() {
        this(AioSyscalls.KERNEL);
    }

    /** With other system calls: tests count, withhold or fail them at the native-call boundary. */
    LinuxAioBackend(AioSyscalls syscalls) {
        this.syscalls = syscalls;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Null when this machine runs the backend, else for example {@code io_setup: ENOSYS (38)
     * (kernel built without CONFIG_AIO)}. The kernel is probed once per process.
     */
    @Override
    public String unavailableReason() {
        return LinuxAioProbe.unavailableReason();
    }

    @Override
    public AioContext open(AioOptions options) throws AioException {
        return new LinuxAioContext(options, syscalls);
    }
}
