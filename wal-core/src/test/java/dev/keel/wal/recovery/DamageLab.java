package dev.keel.wal.recovery;

import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh copy of a {@link TemplateLog}, with the positions of its records, for one test to
 * damage: where record {@code lsn} lies, which LSNs a segment holds.
 */
final class DamageLab {
    final TemplateLog template;
    final Path dir;
    private final List<LogSurgery.Frame> records;

    DamageLab(TemplateLog template, Path dir) throws IOException {
        this.template = template;
        this.dir = template.copyTo(dir);
        this.records = LogSurgery.records(this.dir);
        if (records.size() != template.records()) {
            throw new IllegalStateException("template copy holds " + records.size() + " records, expected " + template.records());
        }
    }

    long lastLsn() {
        return template.records();
    }

    LogSurgery.Frame record(long lsn) {
        LogSurgery.Frame f = records.get((int) lsn - 1);
        if (f.lsn() != lsn) {
            throw new IllegalStateException("record slot " + lsn + " holds LSN " + f.lsn());
        }
        return f;
    }

    Path segment(long index) {
        return SegmentFiles.segmentPath(dir, index);
    }

    /** The records of one segment, in order. */
    List<LogSurgery.Frame> recordsIn(long index) {
        List<LogSurgery.Frame> in = new ArrayList<>();
        for (LogSurgery.Frame f : records) {
            if (SegmentFiles.indexOf(f.segment()) == index) {
                in.add(f);
            }
        }
        return in;
    }

    long firstLsnIn(long index) {
        return recordsIn(index).get(0).lsn();
    }

    long lastLsnIn(long index) {
        List<LogSurgery.Frame> in = recordsIn(index);
        return in.get(in.size() - 1).lsn();
    }

    /** The index of the last segment holding records. */
    long lastDataSegment() {
        return SegmentFiles.indexOf(records.get(records.size() - 1).segment());
    }
}
