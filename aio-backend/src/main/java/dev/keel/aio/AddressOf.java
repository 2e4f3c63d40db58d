package dev.keel.aio;

import org.agrona.BufferUtil;

import java.nio.ByteBuffer;

/** The native address of a direct buffer, for handing to the kernel without a copy. */
public final class AddressOf {
    private AddressOf() {
    }

    /**
     * The address of {@code buffer}'s first byte (index 0, not its position).
     *
     * @throws IllegalArgumentException for a heap buffer: the kernel needs memory that the
     *     garbage collector does not move
     */
    public static long buffer(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer is a heap ByteBuffer: the AIO layer needs a direct one");
        }
        return BufferUtil.address(buffer);
    }
}
