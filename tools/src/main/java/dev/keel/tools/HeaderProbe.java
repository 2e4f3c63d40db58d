package dev.keel.tools;

import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A segment file's header block read on its own, read-only: what {@code keel stat} prints per
 * segment and where {@code keel dump} starts.
 *
 * @param path the segment file
 * @param index the segment index its name gives
 * @param fileBytes the file's size
 * @param header the decoded header, or null when blank or unreadable
 * @param blank true when the header block is all zeros: prepared, never written
 * @param problem why the header cannot be used, or null
 */
record HeaderProbe(Path path, long index, long fileBytes, SegmentHeaderDescriptor.Header header, boolean blank,
                   String problem) {

    /** A header this file's frames can be read with. */
    boolean valid() {
        return header != null && problem == null;
    }

    static List<HeaderProbe> readAll(Path dir) throws IOException {
        List<HeaderProbe> probes = new ArrayList<>();
        for (Path p : SegmentFiles.list(dir).segments()) {
            probes.add(read(p));
        }
        return probes;
    }

    static HeaderProbe read(Path path) throws IOException {
        long index = SegmentFiles.indexOf(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer block = ByteBuffer.allocateDirect(SegmentHeaderDescriptor.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (block.hasRemaining() && ch.read(block, block.position()) > 0) {
                // a short read (a file being extended, or cut short) is retried until the end of the file
            }
            if (block.position() < SegmentHeaderDescriptor.HEADER_BYTES) {
                return new HeaderProbe(path, index, size, null, false, "file is " + size + " bytes, shorter than the "
                    + SegmentHeaderDescriptor.HEADER_BYTES + "-byte segment header");
            }
            UnsafeBuffer view = new UnsafeBuffer(block);
            if (SegmentHeaderDescriptor.isBlank(view, 0)) {
                return new HeaderProbe(path, index, size, null, true, null);
            }
            String problem = SegmentHeaderDescriptor.problem(view, 0);
            if (problem != null) {
                return new HeaderProbe(path, index, size, null, false, problem);
            }
            SegmentHeaderDescriptor.Header h = SegmentHeaderDescriptor.decode(view, 0);
            return new HeaderProbe(path, index, size, h, false, h.segmentIndex() == index ? null
                : "header names segment " + h.segmentIndex() + " but the file is segment " + index);
        }
    }
}
